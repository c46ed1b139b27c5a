/* Load-time int8 preparation of weights and token tables: each row's largest magnitude, its symmetric s8 codes and
   their sum, and a matrix's per-column peaks (SmoothQuant's weight side). Compiled for AVX-512, AVX2 + FMA and
   baseline x86-64 like every element-wise kernel (vector_dispatch.h); the results do not depend on the build (maxima
   are order-free, each code is one rounded division). */
#include "fuse_kernels.h"
#include "lanes16.h"

#include <math.h>
#include <string.h>

typedef int8_t int8x16 __attribute__((ext_vector_type(16)));

/* ---- Symmetric s8 rows ------------------------------------------------------------------------------------------- */

FUSE_INLINE void quantize_symmetric_rows_body(
    const float *w, int64_t rows, int64_t k, const float *factors, float levels, int8_t *q, float *scales,
    int32_t *sums) {
    for (int64_t r = 0; r < rows; r++) {
        const float *line = w + r * k;
        int8_t *target = q + r * k;
        /* Sixteen lanes of |value · factor| (maxNum: a NaN lane does not hide the others), and of value · 0, which
           is NaN exactly where a value is NaN or infinite. */
        lanes16 peak = 0, invalid = 0;
        int64_t c = 0;
        for (; c + 16 <= k; c += 16) {
            lanes16 v = load16(line + c);
            if (factors) v *= load16(factors + c);
            peak = __builtin_elementwise_max(peak, __builtin_elementwise_abs(v));
            invalid += v * 0.0f;
        }
        float largest = tree_max16(peak), finite_check = tree_sum16(invalid);
        for (; c < k; c++) {
            float v = factors ? line[c] * factors[c] : line[c];
            largest = fabsf(v) > largest ? fabsf(v) : largest;
            finite_check += v * 0.0f;
        }
        if (!(largest > 0) || finite_check != 0) {
            memset(target, 0, (size_t)k);
            scales[r] = 0;
            if (sums) sums[r] = 0;
            continue;
        }
        const float scale = largest / levels;
        /* Sixteen codes at a time: the same division, rounding (to nearest even) and clamp as the tail's. */
        int16x lane_sum = 0;
        for (c = 0; c + 16 <= k; c += 16) {
            lanes16 v = load16(line + c);
            if (factors) v *= load16(factors + c);
            lanes16 rounded = __builtin_elementwise_roundeven(v / scale);
            rounded = __builtin_elementwise_max(rounded, (lanes16)(-levels));
            rounded = __builtin_elementwise_min(rounded, (lanes16)levels);
            int16x codes = __builtin_convertvector(rounded, int16x);
            lane_sum += codes;
            int8x16 narrow = __builtin_convertvector(codes, int8x16);
            memcpy(target + c, &narrow, sizeof narrow);
        }
        int32_t sum = 0;
        for (int l = 0; l < 16; l++) sum += lane_sum[l];
        for (; c < k; c++) {
            float v = nearbyintf((factors ? line[c] * factors[c] : line[c]) / scale);
            v = v < -levels ? -levels : (v > levels ? levels : v);
            target[c] = (int8_t)(int32_t)v;
            sum += (int32_t)v;
        }
        scales[r] = scale;
        if (sums) sums[r] = sum;
    }
}

/* ---- Column peaks ------------------------------------------------------------------------------------------------ */

FUSE_INLINE void column_peaks_body(const float *w, int64_t rows, int64_t k, float *peaks) {
    for (int64_t r = 0; r < rows; r++) {
        const float *line = w + r * k;
        int64_t c = 0;
        for (; c + 16 <= k; c += 16)
            store16(peaks + c,
                    __builtin_elementwise_max(load16(peaks + c), __builtin_elementwise_abs(load16(line + c))));
        for (; c < k; c++) {
            float v = fabsf(line[c]);
            peaks[c] = v > peaks[c] ? v : peaks[c];
        }
    }
}

/* ---- Variants and dispatch --------------------------------------------------------------------------------------- */

#define SYMMETRIC_PARAMS (const float *w, int64_t rows, int64_t k, const float *factors, float levels, int8_t *q, \
                          float *scales, int32_t *sums)
#define SYMMETRIC_ARGS (w, rows, k, factors, levels, q, scales, sums)
#define PEAKS_PARAMS (const float *w, int64_t rows, int64_t k, float *peaks)
#define PEAKS_ARGS (w, rows, k, peaks)

FUSE_VARIANTS(quantize_symmetric_rows, SYMMETRIC_PARAMS, SYMMETRIC_ARGS)
FUSE_VARIANTS(column_peaks, PEAKS_PARAMS, PEAKS_ARGS)

void fuse_int8_quantize_symmetric_rows SYMMETRIC_PARAMS { FUSE_DISPATCH(quantize_symmetric_rows, SYMMETRIC_ARGS) }
void fuse_f32_column_peaks PEAKS_PARAMS { FUSE_DISPATCH(column_peaks, PEAKS_ARGS) }
