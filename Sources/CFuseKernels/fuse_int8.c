/* The element-wise halves of Fuse's dynamic int8 and bf16 linear layers, around oneDNN's matmul: quantizing each
   input row to u8 with its own scale and zero point, and turning the s32 accumulators back into floats with the
   per-row and per-channel scales and the bias. Each function is compiled three times (AVX-512, AVX2 + FMA, and
   baseline x86-64) and picks the widest the CPU has at its first call, so an AVX2-only CPU never meets an AVX-512
   instruction (vector_dispatch.h). */
#include "fuse_kernels.h"
#include "fast_math.h"
#include "vector_dispatch.h"

#include <math.h>
#include <string.h>

/* The 16-float vectors below are always inlined, so the vector ABI of builds without AVX-512 never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

typedef float range_lanes __attribute__((ext_vector_type(16)));

/* ---- Per-row u8 quantization ------------------------------------------------------------------------------------- */

/* `mask` (NULL for none) holds 1 for the channels the int8 GEMM computes and 0 for the outlier channels computed
   beside it in f32: those read as 0 here, so they neither widen the row's range nor reach the GEMM. */
FUSE_INLINE void quantize_rows_body(
    const float *x, int64_t rows, int64_t k, int64_t ldx, float levels, const float *mask, uint8_t *q,
    float *row_scales, int32_t *zero_points) {
    for (int64_t r = 0; r < rows; r++) {
        const float *line = x + r * ldx;
        uint8_t *target = q + r * k;
        /* The range always holds 0, so zero is exact. Sixteen lanes of minimum and maximum: a scalar fminf chain does
           not vectorize (its NaN rule pins the order) and was most of this function's time. */
        range_lanes lane_low = 0, lane_high = 0;
        int64_t c = 0;
        for (; c + 16 <= k; c += 16) {
            range_lanes v;
            memcpy(&v, line + c, sizeof v);
            if (mask) {
                range_lanes keep;
                memcpy(&keep, mask + c, sizeof keep);
                v *= keep;
            }
            lane_low = __builtin_elementwise_min(lane_low, v);
            lane_high = __builtin_elementwise_max(lane_high, v);
        }
        float low = 0, high = 0;
        for (int l = 0; l < 16; l++) {
            low = fminf(low, lane_low[l]);
            high = fmaxf(high, lane_high[l]);
        }
        for (; c < k; c++) {
            float v = mask ? line[c] * mask[c] : line[c];
            low = fminf(low, v);
            high = fmaxf(high, v);
        }
        float scale = high > low ? (high - low) / levels : 1.0f;
        float zero = nearbyintf(-low / scale);
        zero = zero < 0 ? 0 : (zero > levels ? levels : zero);
        float inverse = 1.0f / scale;
        if (mask) {
            for (c = 0; c < k; c++) {
                float v = nearbyintf(line[c] * mask[c] * inverse) + zero;
                v = v < 0 ? 0 : (v > levels ? levels : v);
                target[c] = (uint8_t)(int32_t)v;
            }
        } else {
            for (c = 0; c < k; c++) {
                float v = nearbyintf(line[c] * inverse) + zero;
                v = v < 0 ? 0 : (v > levels ? levels : v);
                target[c] = (uint8_t)(int32_t)v;
            }
        }
        row_scales[r] = scale;
        zero_points[r] = (int32_t)zero;
    }
}

/* ---- Dequantization epilogue --------------------------------------------------------------------------------------- */

FUSE_INLINE void dequantize_rows_body(
    const int32_t *acc, int64_t rows, int64_t n, int64_t first, int64_t count, const float *row_scales,
    const int32_t *zero_points, const float *weight_scales, const int32_t *weight_sums, const float *bias,
    const fuse_int8_outliers *outliers, int activation, float *y, int64_t ldy) {
    const float *scales = weight_scales + first;
    const int32_t *sums = weight_sums + first;
    const float *b = bias ? bias + first : 0;
    const int32_t outlier_count = outliers ? outliers->count : 0;
    const int gelu = activation == FUSE_ACTIVATION_GELU_ERF;
    for (int64_t r = 0; r < rows; r++) {
        const int32_t *source = acc + r * n + first;
        float *target = y + r * ldy;
        float scale = row_scales[r];
        int32_t zero = zero_points[r];
        /* Sixteen columns at a time, everything in registers — dequantization, bias, the outlier products, GELU — and
           one store (separate passes over the row were bound by their stores); the same operations in the same
           order as the column tail below, so the same results. */
        int64_t c = 0;
        for (; c + 16 <= count; c += 16) {
            int16x accumulated, sum;
            memcpy(&accumulated, source + c, sizeof accumulated);
            memcpy(&sum, sums + c, sizeof sum);
            lanes16 integer = __builtin_convertvector(accumulated - zero * sum, lanes16);
            lanes16 t = b ? scale * load16(scales + c) * integer + load16(b + c) : scale * load16(scales + c) * integer;
            for (int32_t o = 0; o < outlier_count; o++) {
                const float value = outliers->x[r * outliers->ldx + outliers->channels[o]];
                t += value * load16(outliers->weights + (int64_t)o * n + first + c);
            }
            store16(target + c, gelu ? gelu16(t) : t);
        }
        if (c == count) continue;
        source += c;
        target += c;
        const float *tail_scales = scales + c;
        const int32_t *tail_sums = sums + c;
        const float *tail_bias = b ? b + c : 0;
        const int64_t tail = count - c;
        if (tail_bias) {
            for (int64_t j = 0; j < tail; j++)
                target[j] = scale * tail_scales[j] * (float)(source[j] - zero * tail_sums[j]) + tail_bias[j];
        } else {
            for (int64_t j = 0; j < tail; j++)
                target[j] = scale * tail_scales[j] * (float)(source[j] - zero * tail_sums[j]);
        }
        for (int32_t o = 0; o < outlier_count; o++) {
            const float value = outliers->x[r * outliers->ldx + outliers->channels[o]];
            const float *w = outliers->weights + (int64_t)o * n + first + c;
            for (int64_t j = 0; j < tail; j++) target[j] += value * w[j];
        }
        if (gelu)
            for (int64_t j = 0; j < tail; j++) target[j] = fuse_gelu_erf_value(target[j]);
    }
}

/* ---- bf16 conversion and the f32 epilogue ------------------------------------------------------------------------ */

FUSE_INLINE void to_bf16_body(const float *x, int64_t count, uint16_t *out) {
    const uint32_t *bits = (const uint32_t *)x;
    for (int64_t i = 0; i < count; i++) {
        uint32_t v = bits[i];
        uint32_t rounded = (v + 0x7fffu + ((v >> 16) & 1u)) >> 16; /* nearest, ties to even */
        uint32_t nan = (v >> 16) | 0x40u;
        out[i] = (uint16_t)(((v & 0x7fffffffu) > 0x7f800000u) ? nan : rounded);
    }
}

FUSE_INLINE void copy_columns_body(
    const float *source, int64_t rows, int64_t n, int64_t first, int64_t count, const float *bias, int activation,
    float *y, int64_t ldy) {
    for (int64_t r = 0; r < rows; r++) {
        const float *line = source + r * n + first;
        float *target = y + r * ldy;
        if (bias) {
            for (int64_t c = 0; c < count; c++) target[c] = line[c] + bias[first + c];
        } else if (target != line) {
            for (int64_t c = 0; c < count; c++) target[c] = line[c];
        }
        if (activation == FUSE_ACTIVATION_GELU_ERF)
            for (int64_t c = 0; c < count; c++) target[c] = fuse_gelu_erf_value(target[c]);
    }
}

FUSE_INLINE void gelu_erf_body(float *x, int64_t count) {
    for (int64_t i = 0; i < count; i++) x[i] = fuse_gelu_erf_value(x[i]);
}

/* ---- Variants and dispatch --------------------------------------------------------------------------------------- */

#define QUANTIZE_PARAMS (const float *x, int64_t rows, int64_t k, int64_t ldx, float levels, const float *mask, \
                         uint8_t *q, float *row_scales, int32_t *zero_points)
#define QUANTIZE_ARGS (x, rows, k, ldx, levels, mask, q, row_scales, zero_points)
#define DEQUANTIZE_PARAMS (const int32_t *acc, int64_t rows, int64_t n, int64_t first, int64_t count, \
                           const float *row_scales, const int32_t *zero_points, const float *weight_scales, \
                           const int32_t *weight_sums, const float *bias, const fuse_int8_outliers *outliers, \
                           int activation, float *y, int64_t ldy)
#define DEQUANTIZE_ARGS (acc, rows, n, first, count, row_scales, zero_points, weight_scales, weight_sums, bias, \
                         outliers, activation, y, ldy)
#define BF16_PARAMS (const float *x, int64_t count, uint16_t *out)
#define BF16_ARGS (x, count, out)
#define COPY_PARAMS (const float *source, int64_t rows, int64_t n, int64_t first, int64_t count, const float *bias, \
                     int activation, float *y, int64_t ldy)
#define COPY_ARGS (source, rows, n, first, count, bias, activation, y, ldy)
#define GELU_PARAMS (float *x, int64_t count)
#define GELU_ARGS (x, count)

FUSE_VARIANTS(quantize_rows, QUANTIZE_PARAMS, QUANTIZE_ARGS)
FUSE_VARIANTS(dequantize_rows, DEQUANTIZE_PARAMS, DEQUANTIZE_ARGS)
FUSE_VARIANTS(to_bf16, BF16_PARAMS, BF16_ARGS)
FUSE_VARIANTS(copy_columns, COPY_PARAMS, COPY_ARGS)
FUSE_VARIANTS(gelu_erf, GELU_PARAMS, GELU_ARGS)

void fuse_int8_quantize_rows QUANTIZE_PARAMS { FUSE_DISPATCH(quantize_rows, QUANTIZE_ARGS) }
void fuse_int8_dequantize_rows DEQUANTIZE_PARAMS { FUSE_DISPATCH(dequantize_rows, DEQUANTIZE_ARGS) }
void fuse_bf16_from_f32 BF16_PARAMS { FUSE_DISPATCH(to_bf16, BF16_ARGS) }
void fuse_f32_copy_columns COPY_PARAMS { FUSE_DISPATCH(copy_columns, COPY_ARGS) }
void fuse_gelu_erf GELU_PARAMS { FUSE_DISPATCH(gelu_erf, GELU_ARGS) }
