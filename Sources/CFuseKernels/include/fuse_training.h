#ifndef FUSE_TRAINING_H
#define FUSE_TRAINING_H
/* The row-wise and element-wise halves of FuseTrain's BERT forward and backward passes (fuse_training.c; the GEMMs
   stay in BLAS), fp32, built for AVX-512, AVX2 + FMA and baseline x86-64 like the other kernels (vector_dispatch.h).
   Each kernel works on a range of rows, columns, elements or (sequence, head) pairs, so callers spread the ranges over
   the cores; none allocates. Activations are packed: the real tokens of every sequence, one after another, no padding. */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* residual ← residual ⊙ mask + b in place (mask, b may be NULL), then y = LayerNorm(residual) with its per-row mean
   and 1/σ kept for the backward; `rows` rows of `width`. */
void fuse_train_layernorm_forward(float *residual, const float *mask, const float *b, int64_t rows, int64_t width,
                                  const float *weight, const float *bias, float epsilon, float *y, float *mean,
                                  float *rstd);
/* LayerNorm's input gradient for `rows` rows, written (not added) to dx: rstd · (dŷ − mean(dŷ) − x̂ · mean(dŷ · x̂)),
   dŷ = dy ⊙ γ. With `mask`, dx_masked = dx ⊙ mask as well (the gradient that goes on through a dropout). */
void fuse_train_layernorm_backward_rows(const float *dy, const float *x, const float *mean, const float *rstd,
                                        const float *weight, int64_t rows, int64_t width, const float *mask,
                                        float *dx, float *dx_masked);
/* LayerNorm's parameter gradients for columns first ..< first + count over all `rows` rows, added:
   dweight[c] += Σ dy · x̂, dbias[c] += Σ dy. */
void fuse_train_layernorm_backward_parameters(const float *dy, const float *x, const float *mean, const float *rstd,
                                              int64_t rows, int64_t width, int64_t first, int64_t count,
                                              float *dweight, float *dbias);
/* out[c] += Σ_r x[r, c] for columns first ..< first + count (a linear layer's bias gradient). */
void fuse_train_column_sums(const float *x, int64_t rows, int64_t width, int64_t first, int64_t count, float *out);

/* y = x · Φ(x), BERT's exact GELU (erf to 1.5e-7, as PyTorch's CPU kernel). */
void fuse_train_gelu_forward(const float *x, int64_t count, float *y);
/* gradient ← gradient · (Φ(x) + x · φ(x)), in place. */
void fuse_train_gelu_backward(float *gradient, const float *x, int64_t count);

/* Dropout masks from SplitMix64 seeded `state`: element i of the whole mask is 0 when the generator's (index + i + 1)-th
   draw, as a unit double (53 bits), is below `probability`, else 1 / (1 − probability) — the same draws as calling
   the generator once per element in order, so ranges can be filled on any core. Fills `count` elements from `index`. */
void fuse_train_dropout_mask(uint64_t state, int64_t index, int64_t count, float probability, float *mask);

/* Self-attention over packed sequences: sequence s holds rows offsets[s] ..< offsets[s + 1] of q, k, v (row stride
   ld_qkv) and of context (row stride ld_context), head h in columns h · head_dim ..< (h + 1) · head_dim; every key of a
   sequence is real. The probabilities of pair (s, h), pair index s · heads + h, are [len × len] at
   probability_offsets[s] + h · len²; with `dropout_mask` (same layout) the probabilities times the mask go to `dropped`
   and multiply V. */
typedef struct {
    const float *q, *k, *v;
    int64_t ld_qkv;
    float *context;
    int64_t ld_context;
    const int64_t *offsets;
    const int64_t *probability_offsets;
    int64_t heads, head_dim;
    float scale;
    float *probabilities;
    const float *dropout_mask;
    float *dropped;
} fuse_train_attention;
/* Floats of scratch one thread's attention calls need when no sequence is longer than `longest`. */
size_t fuse_train_attention_scratch_floats(int64_t longest, int64_t head_dim);
/* P = softmax(Q·Kᵀ · scale), context = P′ · V, for pairs first_pair ..< first_pair + pairs. */
void fuse_train_attention_forward(const fuse_train_attention *problem, int64_t first_pair, int64_t pairs,
                                  float *scratch);
/* dQ, dK, dV (row strides ld_qkv, written) from dcontext (row stride ld_context) for the same pairs. */
void fuse_train_attention_backward(const fuse_train_attention *problem, const float *dcontext, float *dq, float *dk,
                                   float *dv, int64_t first_pair, int64_t pairs, float *scratch);

/* One AdamW update of `count` parameters (torch.optim.AdamW's order of operations): p ← p · (1 − lr · decay);
   g′ = g · gradient_scale (clip_grad_norm_'s coefficient); m ← β₁m + (1 − β₁)g′; v ← β₂v + (1 − β₂)g′²;
   p ← p − step_size · m / (√v / correction2_root + ε). With zero_gradients the gradient is cleared as it is read. */
typedef struct {
    float learning_rate, decay, beta1, beta2, epsilon, step_size, correction2_root, gradient_scale;
    int zero_gradients;
} fuse_train_adamw_step;
void fuse_train_adamw(const fuse_train_adamw_step *step, float *parameters, float *first_moment,
                      float *second_moment, float *gradients, int64_t count);
/* Σ x² over `count` floats, in float lanes summed into a double every block. */
double fuse_train_sum_squares(const float *x, int64_t count);

#ifdef __cplusplus
}
#endif
#endif
