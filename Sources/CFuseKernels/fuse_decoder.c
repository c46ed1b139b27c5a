/* Kernels for decoding a few rows at a time (fuse_decoder.h). A decoder step multiplies one row per sequence by every
   weight matrix, so it is bound by reading the weights: each weight row is loaded once and multiplied with all input
   rows (which stay in L1), 16 floats at a time. Attention of a single query row reads keys stored transposed per head,
   so its scores vectorize across keys without a per-step transpose. */
#include "fuse_decoder.h"
#include "fast_math.h"
#include "vector_dispatch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The 16-float vector helpers are always inlined, so the vector ABI of builds without AVX-512 never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

typedef uint16_t half16 __attribute__((ext_vector_type(16)));
typedef int8_t byte16 __attribute__((ext_vector_type(16)));

/* Input rows multiplied with one weight row at a time: registers hold one accumulator per input row. */
enum { ROW_GROUP = 4 };


/* Weight loaders: 16 consecutive weights of row-major storage as floats. */
FUSE_INLINE lanes16 weights_f32(const void *w, int64_t at) { return load16((const float *)w + at); }
FUSE_INLINE lanes16 weights_bf16(const void *w, int64_t at) {
    half16 bits;
    memcpy(&bits, (const uint16_t *)w + at, sizeof bits);
    return (lanes16)(__builtin_convertvector(bits, word16) << 16);
}
FUSE_INLINE lanes16 weights_s8(const void *w, int64_t at) {
    byte16 q;
    memcpy(&q, (const int8_t *)w + at, sizeof q);
    return __builtin_convertvector(q, lanes16);
}
FUSE_INLINE float weight_f32(const void *w, int64_t at) { return ((const float *)w)[at]; }
FUSE_INLINE float weight_bf16(const void *w, int64_t at) {
    uint32_t bits = (uint32_t)((const uint16_t *)w)[at] << 16;
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}
FUSE_INLINE float weight_s8(const void *w, int64_t at) { return (float)((const int8_t *)w)[at]; }

/* One skinny product for the weight type `kind` (0 fp32, 1 bf16, 2 int8), a constant at each call so the loads
   specialise. */
FUSE_INLINE void rows_gemm(const float *x, int64_t rows, int64_t k, const void *w, const float *scales, int64_t first,
                           int64_t count, const float *bias, float *y, int64_t ldy, const int kind) {
    const int64_t whole = k & ~(int64_t)15;
    for (int64_t c = first; c < first + count; c++) {
        const int64_t row_start = c * k;
        const float scale = kind == 2 ? scales[c] : 1.0f;
        const float add = bias ? bias[c] : 0.0f;
        for (int64_t r0 = 0; r0 < rows; r0 += ROW_GROUP) {
            const int64_t group = rows - r0 < ROW_GROUP ? rows - r0 : ROW_GROUP;
            lanes16 acc[ROW_GROUP];
            for (int r = 0; r < ROW_GROUP; r++) acc[r] = (lanes16)0.0f;
            for (int64_t j = 0; j < whole; j += 16) {
                const lanes16 wv = kind == 0   ? weights_f32(w, row_start + j)
                                   : kind == 1 ? weights_bf16(w, row_start + j)
                                               : weights_s8(w, row_start + j);
                for (int r = 0; r < ROW_GROUP; r++)
                    if (r < group) acc[r] = acc[r] + wv * load16(x + (r0 + r) * k + j);
            }
            for (int r = 0; r < group; r++) {
                float s = sum16(acc[r]);
                for (int64_t j = whole; j < k; j++) {
                    const float wj = kind == 0   ? weight_f32(w, row_start + j)
                                     : kind == 1 ? weight_bf16(w, row_start + j)
                                                 : weight_s8(w, row_start + j);
                    s += wj * x[(r0 + r) * k + j];
                }
                y[(r0 + r) * ldy + c] = s * scale + add;
            }
        }
    }
}

FUSE_INLINE void rows_gemm_f32_body(const float *x, int64_t rows, int64_t k, const float *w, int64_t first,
                                    int64_t count, const float *bias, float *y, int64_t ldy) {
    rows_gemm(x, rows, k, w, NULL, first, count, bias, y, ldy, 0);
}
FUSE_INLINE void rows_gemm_bf16_body(const float *x, int64_t rows, int64_t k, const uint16_t *w, int64_t first,
                                     int64_t count, const float *bias, float *y, int64_t ldy) {
    rows_gemm(x, rows, k, w, NULL, first, count, bias, y, ldy, 1);
}
FUSE_INLINE void rows_gemm_s8_body(const float *x, int64_t rows, int64_t k, const int8_t *w, const float *scales,
                                   int64_t first, int64_t count, const float *bias, float *y, int64_t ldy) {
    rows_gemm(x, rows, k, w, scales, first, count, bias, y, ldy, 2);
}

FUSE_VARIANTS(rows_gemm_f32,
              (const float *x, int64_t rows, int64_t k, const float *w, int64_t first, int64_t count,
               const float *bias, float *y, int64_t ldy),
              (x, rows, k, w, first, count, bias, y, ldy))
FUSE_VARIANTS(rows_gemm_bf16,
              (const float *x, int64_t rows, int64_t k, const uint16_t *w, int64_t first, int64_t count,
               const float *bias, float *y, int64_t ldy),
              (x, rows, k, w, first, count, bias, y, ldy))
FUSE_VARIANTS(rows_gemm_s8,
              (const float *x, int64_t rows, int64_t k, const int8_t *w, const float *scales, int64_t first,
               int64_t count, const float *bias, float *y, int64_t ldy),
              (x, rows, k, w, scales, first, count, bias, y, ldy))

void fuse_rows_gemm_f32(const float *x, int64_t rows, int64_t k, const float *w_f32, int64_t first, int64_t count,
                        const float *bias, float *y, int64_t ldy) {
    FUSE_DISPATCH(rows_gemm_f32, (x, rows, k, w_f32, first, count, bias, y, ldy))
}
void fuse_rows_gemm_bf16(const float *x, int64_t rows, int64_t k, const uint16_t *w_bf16, int64_t first,
                         int64_t count, const float *bias, float *y, int64_t ldy) {
    FUSE_DISPATCH(rows_gemm_bf16, (x, rows, k, w_bf16, first, count, bias, y, ldy))
}
void fuse_rows_gemm_s8(const float *x, int64_t rows, int64_t k, const int8_t *w_s8, const float *w_scales,
                       int64_t first, int64_t count, const float *bias, float *y, int64_t ldy) {
    FUSE_DISPATCH(rows_gemm_s8, (x, rows, k, w_s8, w_scales, first, count, bias, y, ldy))
}

/* Scores of one head against every key (vectorized across keys), the softmax, then the weighted sum of values. */
FUSE_INLINE void query_attention_body(const fuse_query_attention *p, int64_t first_head, int64_t head_count,
                                      float *scores) {
    const int64_t d_head = p->head_dim, n = p->key_count, whole = n & ~(int64_t)15;
    for (int64_t h = first_head; h < first_head + head_count; h++) {
        const float *q = p->query + h * d_head;
        const float *kt = p->keys_t + h * d_head * p->ldk;
        for (int64_t j = 0; j < whole; j += 16) {
            lanes16 s = (lanes16)0.0f;
            for (int64_t i = 0; i < d_head; i++) s = s + q[i] * load16(kt + i * p->ldk + j);
            store16(scores + j, s * p->scale);
        }
        for (int64_t j = whole; j < n; j++) {
            float s = 0;
            for (int64_t i = 0; i < d_head; i++) s += q[i] * kt[i * p->ldk + j];
            scores[j] = s * p->scale;
        }
        float peak = -INFINITY;
        for (int64_t j = 0; j < n; j++) peak = scores[j] > peak ? scores[j] : peak;
        lanes16 totals = (lanes16)0.0f;
        for (int64_t j = 0; j < whole; j += 16) {
            const lanes16 e = exp16(load16(scores + j) - peak);
            store16(scores + j, e);
            totals = totals + e;
        }
        float total = sum16(totals);
        for (int64_t j = whole; j < n; j++) {
            scores[j] = fuse_exp(scores[j] - peak);
            total += scores[j];
        }
        float *out = p->output + h * d_head;
        for (int64_t i = 0; i < d_head; i++) out[i] = 0;
        if (n == 0 || !(total > 0)) continue;
        const float inverse = 1.0f / total;
        const float *v = p->values + h * d_head;
        for (int64_t j = 0; j < n; j++) {
            const float weight = scores[j] * inverse;
            const float *row = v + j * p->value_stride;
            for (int64_t i = 0; i < d_head; i++) out[i] += weight * row[i];
        }
    }
}

FUSE_VARIANTS(query_attention, (const fuse_query_attention *p, int64_t first_head, int64_t head_count, float *scores),
              (p, first_head, head_count, scores))

void fuse_query_attention_run(const fuse_query_attention *problem, int64_t first_head, int64_t head_count) {
    const int64_t n = problem->key_count;
    float stack[4096];
    float *scores = n <= 4096 ? stack : malloc(sizeof(float) * (size_t)n);
    if (!scores) return;
    FUSE_DISPATCH(query_attention, (problem, first_head, head_count, scores))
    if (scores != stack) free(scores);
}

/* The largest value and Σ exp(x − largest) of x[0 ..< count]. */
FUSE_INLINE void exp_sum_body(const float *x, int64_t count, float *peak_out, float *sum_out) {
    const int64_t whole = count & ~(int64_t)15;
    lanes16 peaks = (lanes16)-INFINITY;
    for (int64_t i = 0; i < whole; i += 16) peaks = __builtin_elementwise_max(peaks, load16(x + i));
    float peak = whole > 0 ? max16(peaks) : -INFINITY;
    for (int64_t i = whole; i < count; i++) peak = x[i] > peak ? x[i] : peak;
    float sum = 0;
    if (peak > -INFINITY) {
        lanes16 sums = (lanes16)0.0f;
        for (int64_t i = 0; i < whole; i += 16) sums = sums + exp16(load16(x + i) - peak);
        sum = sum16(sums);
        for (int64_t i = whole; i < count; i++) sum += fuse_exp(x[i] - peak);
    }
    *peak_out = peak;
    *sum_out = sum;
}
FUSE_VARIANTS(exp_sum, (const float *x, int64_t count, float *peak_out, float *sum_out), (x, count, peak_out, sum_out))

static float log_sum_exp(const float *x, int64_t count) {
    float peak, sum;
    FUSE_DISPATCH(exp_sum, (x, count, &peak, &sum))
    return peak > -INFINITY ? peak + logf(sum) : -INFINITY;
}

float fuse_log_sum_exp(const float *x, int64_t count) { return log_sum_exp(x, count); }

void fuse_log_sum_exp_parts(const float *x, int64_t count, int64_t split, float *parts) {
    split = split < 0 ? 0 : split > count ? count : split;
    parts[0] = log_sum_exp(x, split);
    parts[1] = log_sum_exp(x + split, count - split);
}

int64_t fuse_argmax(const float *x, int64_t count) {
    int64_t best = 0;
    for (int64_t i = 1; i < count; i++)
        if (x[i] > x[best]) best = i;
    return best;
}
