#ifndef FUSE_KERNELS_H
#define FUSE_KERNELS_H
/* Fuse's own C kernels: the element-wise halves of dynamic int8 and bf16 layers (fuse_int8.c) and fused attention
   (fuse_attention.c). Each is compiled for AVX-512, AVX2 + FMA and baseline x86-64 and picks the widest build the CPU
   runs, at its first call (vector_dispatch.h). */
#include <stddef.h>
#include <stdint.h>

/* FuseTrain's training kernels (fuse_training.c) and Whisper's decoding-step kernels (fuse_decoder.c) have their own
   headers; included here so every build that had this module cached sees them (a header new to the include folder
   alone does not invalidate clang's module cache). */
#include "fuse_decoder.h"
#include "fuse_training.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An activation a layer's epilogue applies to its outputs. */
enum { FUSE_ACTIVATION_NONE = 0, FUSE_ACTIVATION_GELU_ERF = 1 };

/* Dynamic int8 around the u8s8s32 matmul (fuse_int8.c). Quantizes `rows` rows of k floats (row stride ldx) to u8:
   each row's range [min(0, low), max(0, high)] maps onto 0…levels with its own scale and zero point (zero stays exact).
   `mask` (k floats, or NULL) is 1 for the channels the GEMM computes and 0 for outlier channels, which read as 0. */
void fuse_int8_quantize_rows(const float *x, int64_t rows, int64_t k, int64_t ldx, float levels, const float *mask,
                             uint8_t *q, float *row_scales, int32_t *zero_points);
/* A layer's outlier input channels, computed beside the int8 GEMM in f32 (LLM.int8()-style): `count` channel indices,
   their f32 weights `[count, n]` row-major (one row per channel, n = the layer's outputs), and the layer's f32 input
   rows `x` (row stride ldx) to read their values from. */
typedef struct {
    int32_t count;
    const int32_t *channels;
    const float *weights;
    const float *x;
    int64_t ldx;
} fuse_int8_outliers;
/* y[r, c - first] = row_scale[r] · weight_scale[c] · (acc[r, c] − zero_point[r] · weight_sum[c]) + bias[c]
   + Σ_o x[r, channel_o] · weights[o, c] for c in first ..< first + count, then `activation` (FUSE_ACTIVATION_*); acc is
   [rows, n], y has row stride ldy; bias and outliers may be NULL. */
void fuse_int8_dequantize_rows(const int32_t *acc, int64_t rows, int64_t n, int64_t first, int64_t count,
                               const float *row_scales, const int32_t *zero_points, const float *weight_scales,
                               const int32_t *weight_sums, const float *bias, const fuse_int8_outliers *outliers,
                               int activation, float *y, int64_t ldy);
/* Symmetric s8 rows at load (fuse_quantize_weights.c): each of `rows` rows of k floats, multiplied column by column by
   `factors` (k floats, or NULL for none), gets scale = its largest |value| / levels and codes
   nearbyint(value / scale) clamped to ±levels, with their sum in `sums` (NULL: not written). A row whose values are
   all zero, or not all finite, gets scale 0 and zero codes. */
void fuse_int8_quantize_symmetric_rows(const float *w, int64_t rows, int64_t k, const float *factors, float levels,
                                       int8_t *q, float *scales, int32_t *sums);
/* peaks[c] = max(peaks[c], |w[r, c]|) over the rows of a [rows, k] row-major matrix (peaks accumulates: call once per
   matrix that reads the same input). */
void fuse_f32_column_peaks(const float *w, int64_t rows, int64_t k, float *peaks);
/* Which build of the element-wise kernels above runs: 2 AVX-512, 1 AVX2 + FMA, 0 baseline x86-64. The cap lowers it
   (tests of the narrower builds on a wider CPU). */
int fuse_vector_level(void);
void fuse_vector_level_cap(int cap);
/* bfloat16 bits of `count` floats, rounded to nearest even (NaN stays NaN). */
void fuse_bf16_from_f32(const float *x, int64_t count, uint16_t *out);
/* y[r, c - first] = source[r, c] + bias[c] for c in first ..< first + count (bias may be NULL; y may be source), then
   `activation`; source is [rows, n]. */
void fuse_f32_copy_columns(const float *source, int64_t rows, int64_t n, int64_t first, int64_t count,
                           const float *bias, int activation, float *y, int64_t ldy);
/* Exact GELU in place, 0.5 · x · (1 + erf(x / √2)) with erf to 1.5e-7 (as PyTorch's CPU kernel). */
void fuse_gelu_erf(float *x, int64_t count);

/* A block's residual sum and LayerNorm in one pass per row (fuse_layer_norm.c): x += delta (delta may be NULL:
   x unchanged), then normed = (x − mean) / sqrt(var + epsilon) · weight + bias with the biased variance, as
   torch.nn.LayerNorm (weight, bias may be NULL: 1, 0). normed may be x (post-LN blocks normalise in place). */
void fuse_residual_layer_norm(float *x, const float *delta, float *normed, int64_t rows, int64_t columns,
                              const float *weight, const float *bias, float epsilon);

/* Fused scaled dot-product attention for `pairs` (batch item, head) pairs, fp32 (bf16 operands on request, see `bf16`
   below), in one of two kernels; in neither
   does the [queries × keys] score matrix exist. FUSE_ATTENTION_FLASH (fuse_attention.c): blocks of keys with an online
   softmax, skipping blocks that causal or window masks hide. FUSE_ATTENTION_ROWS (fuse_attention_rows.c): for a few
   query rows at a time all their scores, an exact softmax, then P · V; it takes problems without causal or band masks
   whose head_dim is a multiple of 16, and is the faster there (ViT, BERT). FUSE_ATTENTION_AUTOMATIC picks it where it
   applies; a kernel asked for where it does not apply falls back to the flash kernel. Layouts as Fuse's
   projections write them: query/output [batch, query_length, heads · head_dim], key/value [batch, key_length,
   kv_heads · head_dim] (query head h reads kv head h / (heads / kv_heads)). key_mask [batch, key_length] (1 attend,
   0 padding) may be NULL; causal lines the queries up with the last keys; window > 0 (with causal) keeps the last
   `window` keys; band ≥ 0 (without causal) keeps keys within `band` positions of the query, both ways (< 0: off). A query that sees no key gets zeros. `scratch` holds fuse_attention_scratch_floats() floats. Pairs
   first_pair ..< first_pair + pairs of batch · heads are computed (callers spread ranges over threads). */
typedef struct {
    const float *query, *key, *value;
    float *output;
    const int32_t *key_mask;
    int64_t heads, kv_heads, query_length, key_length, head_dim;
    int causal;
    int64_t window;
    int64_t band; /* ≥ 0 (without causal): query i sees key j only when |i − j| ≤ band (ModernBERT's local layers) */
    float scale;
    int kernel; /* FUSE_ATTENTION_AUTOMATIC, _FLASH or _ROWS */
    int bf16;   /* 1: the rows kernel multiplies bf16-rounded Q, K, V and probabilities with fp32 sums (scores, mask,
                   softmax fp32) where fuse_attention_bf16_available(); elsewhere, and in the flash kernel, fp32 */
} fuse_attention_problem;
enum { FUSE_ATTENTION_AUTOMATIC = 0, FUSE_ATTENTION_FLASH = 1, FUSE_ATTENTION_ROWS = 2 };
/* The kernel fuse_attention_run uses for `problem` (FUSE_ATTENTION_FLASH or FUSE_ATTENTION_ROWS). */
int fuse_attention_kernel(const fuse_attention_problem *problem);
size_t fuse_attention_scratch_floats(const fuse_attention_problem *problem);
void fuse_attention_run(const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs, float *scratch);
/* Whether a problem's `bf16` takes effect on this CPU: AVX512-BF16 and the AVX-512 build not capped. */
int fuse_attention_bf16_available(void);
/* Whether fuse_attention_run computes `problem` with bf16 operands (its `bf16`, the rows kernel, the CPU). */
int fuse_attention_runs_bf16(const fuse_attention_problem *problem);

#ifdef __cplusplus
}
#endif
#endif
