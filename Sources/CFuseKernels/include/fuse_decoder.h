#ifndef FUSE_DECODER_H
#define FUSE_DECODER_H
/* Kernels for autoregressive decoding, where each step feeds one row per sequence (fuse_decoder.c): products of a few
   rows with a weight matrix read once (fp32, bf16 or int8 weights, always accumulated in fp32), attention of single
   query rows over keys stored transposed per head, and the row reductions a sampler needs. Compiled for AVX-512,
   AVX2 + FMA and baseline x86-64 like the other kernels (vector_dispatch.h). */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y[r · ldy + c] = Σ_j x[r · k + j] · w[c, j] (+ bias[c]) for r < rows and first ≤ c < first + count; w is [n, k]
   row-major in fp32 (`w_f32`), bfloat16 bits (`w_bf16`) or int8 with one scale per row (`w_s8`, `w_scales`: the
   weight is scale[c] · q[c, j]). Each weight row is read once for all rows of x; sums are fp32. bias may be NULL. */
void fuse_rows_gemm_f32(const float *x, int64_t rows, int64_t k, const float *w_f32, int64_t first, int64_t count,
                        const float *bias, float *y, int64_t ldy);
void fuse_rows_gemm_bf16(const float *x, int64_t rows, int64_t k, const uint16_t *w_bf16, int64_t first,
                         int64_t count, const float *bias, float *y, int64_t ldy);
void fuse_rows_gemm_s8(const float *x, int64_t rows, int64_t k, const int8_t *w_s8, const float *w_scales,
                       int64_t first, int64_t count, const float *bias, float *y, int64_t ldy);

/* Attention of one query row over `key_count` keys, heads first_head ..< first_head + head_count:
   output[h · d + i] = Σ_j softmax_j(scale · q_h · k_j) · values[j · value_stride + h · d + i]. Keys are stored
   transposed per head, keys_t[(h · head_dim + i) · ldk + j], so the scores of a head vectorize across keys. */
typedef struct {
    const float *query;  /* [heads · head_dim] */
    const float *keys_t; /* [heads][head_dim][ldk] */
    int64_t ldk;
    const float *values; /* [key_count][value_stride] */
    int64_t value_stride;
    int64_t key_count;
    float *output; /* [heads · head_dim] */
    int64_t head_dim;
    float scale;
} fuse_query_attention;
void fuse_query_attention_run(const fuse_query_attention *problem, int64_t first_head, int64_t head_count);

/* log Σ exp(x[i]) over `count` floats (−∞ when all are −∞ or count is 0), and the same for the two parts split at
   `split` (x[0 ..< split] and x[split ..< count]) in one pass: parts[0], parts[1]. */
float fuse_log_sum_exp(const float *x, int64_t count);
void fuse_log_sum_exp_parts(const float *x, int64_t count, int64_t split, float *parts);
/* The index of the largest of `count` floats (the first on ties; 0 when count is 0). */
int64_t fuse_argmax(const float *x, int64_t count);

#ifdef __cplusplus
}
#endif
#endif
