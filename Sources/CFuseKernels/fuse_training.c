/* The row-wise and element-wise work of FuseTrain's BERT training graph (fuse_training.h): LayerNorm with its residual
   sum, GELU, dropout masks, packed-sequence attention and AdamW, forward and backward. Loops are written so that the
   innermost one runs over independent outputs (columns, keys, head dimensions) and vectorizes as it stands; the few
   reductions (row sums, sums of squares) allow reassociation, so they vectorize too. */
#include "fuse_training.h"
#include "fast_math.h"
#include "vector_dispatch.h"

#include <math.h>
#include <string.h>

/* ---- LayerNorm --------------------------------------------------------------------------------------------------- */

FUSE_INLINE float row_sum(const float *x, int64_t width) {
#pragma clang fp reassociate(on)
    float total = 0;
    for (int64_t i = 0; i < width; i++) total += x[i];
    return total;
}

FUSE_INLINE float centred_squares(const float *x, int64_t width, float mean) {
#pragma clang fp reassociate(on)
    float total = 0;
    for (int64_t i = 0; i < width; i++) total += (x[i] - mean) * (x[i] - mean);
    return total;
}

FUSE_INLINE void layernorm_forward_body(float *residual, const float *mask, const float *b, int64_t rows,
                                        int64_t width, const float *weight, const float *bias, float epsilon,
                                        float *y, float *mean, float *rstd) {
    for (int64_t r = 0; r < rows; r++) {
        float *x = residual + r * width, *out = y + r * width;
        if (mask && b) {
            const float *mr = mask + r * width, *br = b + r * width;
            for (int64_t i = 0; i < width; i++) x[i] = x[i] * mr[i] + br[i];
        } else if (b) {
            const float *br = b + r * width;
            for (int64_t i = 0; i < width; i++) x[i] += br[i];
        } else if (mask) {
            const float *mr = mask + r * width;
            for (int64_t i = 0; i < width; i++) x[i] *= mr[i];
        }
        float m = row_sum(x, width) / (float)width;
        float s = 1.0f / sqrtf(centred_squares(x, width, m) / (float)width + epsilon);
        for (int64_t i = 0; i < width; i++) out[i] = (x[i] - m) * s * weight[i] + bias[i];
        mean[r] = m;
        rstd[r] = s;
    }
}

FUSE_INLINE void layernorm_backward_rows_body(const float *dy, const float *x, const float *mean, const float *rstd,
                                              const float *weight, int64_t rows, int64_t width, const float *mask,
                                              float *dx, float *dx_masked) {
    for (int64_t r = 0; r < rows; r++) {
        const float *g = dy + r * width, *xr = x + r * width;
        float *out = dx + r * width;
        const float m = mean[r], s = rstd[r];
        float sum_d = 0, sum_dx = 0;
        {
#pragma clang fp reassociate(on)
            for (int64_t i = 0; i < width; i++) {
                float d = g[i] * weight[i];
                sum_d += d;
                sum_dx += d * ((xr[i] - m) * s);
            }
        }
        const float mean_d = sum_d / (float)width, mean_dx = sum_dx / (float)width;
        for (int64_t i = 0; i < width; i++) out[i] = s * (g[i] * weight[i] - mean_d - (xr[i] - m) * s * mean_dx);
        if (dx_masked) {
            const float *mr = mask + r * width;
            float *masked = dx_masked + r * width;
            for (int64_t i = 0; i < width; i++) masked[i] = out[i] * mr[i];
        }
    }
}

FUSE_INLINE void layernorm_backward_parameters_body(const float *dy, const float *x, const float *mean,
                                                    const float *rstd, int64_t rows, int64_t width, int64_t first,
                                                    int64_t count, float *dweight, float *dbias) {
    for (int64_t r = 0; r < rows; r++) {
        const float *g = dy + r * width + first, *xr = x + r * width + first;
        const float m = mean[r], s = rstd[r];
        float *dw = dweight + first, *db = dbias + first;
        for (int64_t i = 0; i < count; i++) {
            dw[i] += g[i] * ((xr[i] - m) * s);
            db[i] += g[i];
        }
    }
}

FUSE_INLINE void column_sums_body(const float *x, int64_t rows, int64_t width, int64_t first, int64_t count,
                                  float *out) {
    float *o = out + first;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * width + first;
        for (int64_t i = 0; i < count; i++) o[i] += xr[i];
    }
}

/* ---- GELU -------------------------------------------------------------------------------------------------------- */

FUSE_INLINE void gelu_forward_body(const float *x, int64_t count, float *y) {
    for (int64_t i = 0; i < count; i++) y[i] = fuse_gelu_erf_value(x[i]);
}

/* In place (gradient ← gradient · GELU′(x)): with separate dy and dx pointers that may be equal, clang's overlap check
   sends the in-place call down the scalar loop. */
FUSE_INLINE void gelu_backward_body(float *gradient, const float *x, int64_t count) {
    const float inverse_sqrt_2pi = 0.39894228040143267794f;
    for (int64_t i = 0; i < count; i++) {
        float v = x[i];
        float cdf = 0.5f * fuse_one_plus_erf(v * 0.70710678118654752f);
        float pdf = inverse_sqrt_2pi * fuse_exp(-0.5f * v * v);
        gradient[i] *= cdf + v * pdf;
    }
}

/* ---- Dropout masks (SplitMix64, counter form) -------------------------------------------------------------------- */

FUSE_INLINE void dropout_mask_body(uint64_t state, int64_t index, int64_t count, float probability, float *mask) {
    const float scale = 1.0f / (1.0f - probability);
    for (int64_t i = 0; i < count; i++) {
        uint64_t z = state + (uint64_t)(index + i + 1) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        float unit = (float)((double)(z >> 11) * 0x1.0p-53);
        mask[i] = unit < probability ? 0.0f : scale;
    }
}

/* ---- Attention over packed sequences ----------------------------------------------------------------------------- */

FUSE_INLINE void attention_forward_body(const fuse_train_attention *pr, int64_t first_pair, int64_t pairs,
                                        float *scratch) {
    const int64_t d = pr->head_dim, ld = pr->ld_qkv, ldc = pr->ld_context;
    for (int64_t pair = first_pair; pair < first_pair + pairs; pair++) {
        const int64_t s = pair / pr->heads, h = pair % pr->heads;
        const int64_t row0 = pr->offsets[s], len = pr->offsets[s + 1] - row0;
        const int64_t within = pr->probability_offsets[s] + h * len * len;
        const float *q = pr->q + row0 * ld + h * d, *k = pr->k + row0 * ld + h * d, *v = pr->v + row0 * ld + h * d;
        float *context = pr->context + row0 * ldc + h * d;
        float *probabilities = pr->probabilities + within;
        float *kt = scratch; /* [d][len]: the head's keys, transposed, so scores vectorize across keys */
        for (int64_t j = 0; j < len; j++)
            for (int64_t e = 0; e < d; e++) kt[e * len + j] = k[j * ld + e];
        for (int64_t i = 0; i < len; i++) {
            float *row = probabilities + i * len;
            const float *qi = q + i * ld;
            for (int64_t j = 0; j < len; j++) row[j] = 0;
            for (int64_t e = 0; e < d; e++) {
                const float qe = qi[e], *kr = kt + e * len;
                for (int64_t j = 0; j < len; j++) row[j] += qe * kr[j];
            }
            float largest = -INFINITY;
            for (int64_t j = 0; j < len; j++) {
                row[j] *= pr->scale;
                largest = row[j] > largest ? row[j] : largest;
            }
            float total = 0;
            for (int64_t j = 0; j < len; j++) {
                row[j] = fuse_exp(row[j] - largest);
                total += row[j];
            }
            const float inverse = 1.0f / total;
            for (int64_t j = 0; j < len; j++) row[j] *= inverse;
            const float *weights = row;
            if (pr->dropout_mask) {
                const float *mr = pr->dropout_mask + within + i * len;
                float *dropped = pr->dropped + within + i * len;
                for (int64_t j = 0; j < len; j++) dropped[j] = row[j] * mr[j];
                weights = dropped;
            }
            float *out = context + i * ldc;
            for (int64_t e = 0; e < d; e++) out[e] = 0;
            for (int64_t j = 0; j < len; j++) {
                const float w = weights[j], *vj = v + j * ld;
                for (int64_t e = 0; e < d; e++) out[e] += w * vj[e];
            }
        }
    }
}

/* out[j] = Σᵢ a[i][j] · b[i] over the head's rows: the transposed product both dV (a = P′) and dK (a = dS) take. */
FUSE_INLINE void transposed_product_body(const float *a, int64_t len, const float *b, int64_t ldb, float *out,
                                         int64_t ld, int64_t d) {
    for (int64_t j = 0; j < len; j++)
        for (int64_t e = 0; e < d; e++) out[j * ld + e] = 0;
    for (int64_t i = 0; i < len; i++) {
        const float *bi = b + i * ldb, *ai = a + i * len;
        for (int64_t j = 0; j < len; j++) {
            const float w = ai[j];
            float *oj = out + j * ld;
            for (int64_t e = 0; e < d; e++) oj[e] += w * bi[e];
        }
    }
}

FUSE_INLINE void attention_backward_body(const fuse_train_attention *pr, const float *dcontext, float *dq, float *dk,
                                         float *dv, int64_t first_pair, int64_t pairs, float *scratch) {
    const int64_t d = pr->head_dim, ld = pr->ld_qkv, ldc = pr->ld_context;
    for (int64_t pair = first_pair; pair < first_pair + pairs; pair++) {
        const int64_t s = pair / pr->heads, h = pair % pr->heads;
        const int64_t row0 = pr->offsets[s], len = pr->offsets[s + 1] - row0;
        const int64_t within = pr->probability_offsets[s] + h * len * len;
        const int64_t head = row0 * ld + h * d;
        const float *q = pr->q + head, *k = pr->k + head, *v = pr->v + head;
        const float *dc = dcontext + row0 * ldc + h * d;
        float *dqh = dq + head, *dkh = dk + head, *dvh = dv + head;
        const float *probabilities = pr->probabilities + within;
        const float *weights = pr->dropout_mask ? pr->dropped + within : probabilities;
        float *ds = scratch;             /* [len][len]: dP, then the scores' gradient */
        float *vt = scratch + len * len; /* [d][len]: the head's values, transposed */
        for (int64_t j = 0; j < len; j++)
            for (int64_t e = 0; e < d; e++) vt[e * len + j] = v[j * ld + e];
        /* dV = P′ᵀ · dctx */
        transposed_product_body(weights, len, dc, ldc, dvh, ld, d);
        /* dP′ = dctx · Vᵀ, dP = dP′ ⊙ mask, dS = P ⊙ (dP − Σⱼ P · dP) */
        for (int64_t i = 0; i < len; i++) {
            float *row = ds + i * len;
            const float *dci = dc + i * ldc, *pi = probabilities + i * len;
            for (int64_t j = 0; j < len; j++) row[j] = 0;
            for (int64_t e = 0; e < d; e++) {
                const float c = dci[e], *vr = vt + e * len;
                for (int64_t j = 0; j < len; j++) row[j] += c * vr[j];
            }
            if (pr->dropout_mask) {
                const float *mr = pr->dropout_mask + within + i * len;
                for (int64_t j = 0; j < len; j++) row[j] *= mr[j];
            }
            float dot = 0;
            for (int64_t j = 0; j < len; j++) dot += pi[j] * row[j];
            for (int64_t j = 0; j < len; j++) row[j] = pi[j] * (row[j] - dot) * pr->scale;
        }
        /* dQ = dS · K · scale, dK = dSᵀ · Q · scale (the scale is folded into dS above) */
        for (int64_t i = 0; i < len; i++) {
            float *dqi = dqh + i * ld;
            for (int64_t e = 0; e < d; e++) dqi[e] = 0;
            for (int64_t j = 0; j < len; j++) {
                const float g = ds[i * len + j], *kj = k + j * ld;
                for (int64_t e = 0; e < d; e++) dqi[e] += g * kj[e];
            }
        }
        transposed_product_body(ds, len, q, ld, dkh, ld, d);
    }
}

/* ---- AdamW and the gradient norm --------------------------------------------------------------------------------- */

FUSE_INLINE void adamw_body(const fuse_train_adamw_step *st, float *p, float *m, float *v, float *g, int64_t count) {
    const float keep = 1.0f - st->learning_rate * st->decay;
    const float b1 = st->beta1, b2 = st->beta2, c1 = 1.0f - st->beta1, c2 = 1.0f - st->beta2;
    const float scale = st->gradient_scale, step_size = st->step_size, root = st->correction2_root, eps = st->epsilon;
    for (int64_t i = 0; i < count; i++) {
        const float grad = g[i] * scale;
        const float pi = p[i] * keep;
        const float mi = b1 * m[i] + c1 * grad;
        const float vi = b2 * v[i] + c2 * grad * grad;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step_size * mi / (sqrtf(vi) / root + eps);
    }
    if (st->zero_gradients) memset(g, 0, (size_t)count * sizeof(float));
}

FUSE_INLINE void sum_squares_body(const float *x, int64_t count, double *result) {
    double total = 0;
    for (int64_t start = 0; start < count; start += 4096) {
        const int64_t end = start + 4096 < count ? start + 4096 : count;
        float block = 0;
        {
#pragma clang fp reassociate(on)
            for (int64_t i = start; i < end; i++) block += x[i] * x[i];
        }
        total += block;
    }
    *result = total;
}

/* ---- Variants and dispatch --------------------------------------------------------------------------------------- */

#define LN_FORWARD_PARAMS (float *residual, const float *mask, const float *b, int64_t rows, int64_t width, \
                           const float *weight, const float *bias, float epsilon, float *y, float *mean, float *rstd)
#define LN_FORWARD_ARGS (residual, mask, b, rows, width, weight, bias, epsilon, y, mean, rstd)
#define LN_ROWS_PARAMS (const float *dy, const float *x, const float *mean, const float *rstd, const float *weight, \
                        int64_t rows, int64_t width, const float *mask, float *dx, float *dx_masked)
#define LN_ROWS_ARGS (dy, x, mean, rstd, weight, rows, width, mask, dx, dx_masked)
#define LN_PARAMETERS_PARAMS (const float *dy, const float *x, const float *mean, const float *rstd, int64_t rows, \
                              int64_t width, int64_t first, int64_t count, float *dweight, float *dbias)
#define LN_PARAMETERS_ARGS (dy, x, mean, rstd, rows, width, first, count, dweight, dbias)
#define COLUMN_SUMS_PARAMS (const float *x, int64_t rows, int64_t width, int64_t first, int64_t count, float *out)
#define COLUMN_SUMS_ARGS (x, rows, width, first, count, out)
#define GELU_FORWARD_PARAMS (const float *x, int64_t count, float *y)
#define GELU_FORWARD_ARGS (x, count, y)
#define GELU_BACKWARD_PARAMS (float *gradient, const float *x, int64_t count)
#define GELU_BACKWARD_ARGS (gradient, x, count)
#define DROPOUT_PARAMS (uint64_t state, int64_t index, int64_t count, float probability, float *mask)
#define DROPOUT_ARGS (state, index, count, probability, mask)
#define ATTENTION_FORWARD_PARAMS (const fuse_train_attention *pr, int64_t first_pair, int64_t pairs, float *scratch)
#define ATTENTION_FORWARD_ARGS (pr, first_pair, pairs, scratch)
#define ATTENTION_BACKWARD_PARAMS (const fuse_train_attention *pr, const float *dcontext, float *dq, float *dk, \
                                   float *dv, int64_t first_pair, int64_t pairs, float *scratch)
#define ATTENTION_BACKWARD_ARGS (pr, dcontext, dq, dk, dv, first_pair, pairs, scratch)
#define ADAMW_PARAMS (const fuse_train_adamw_step *st, float *p, float *m, float *v, float *g, int64_t count)
#define ADAMW_ARGS (st, p, m, v, g, count)
#define SQUARES_PARAMS (const float *x, int64_t count, double *result)
#define SQUARES_ARGS (x, count, result)

FUSE_VARIANTS(layernorm_forward, LN_FORWARD_PARAMS, LN_FORWARD_ARGS)
FUSE_VARIANTS(layernorm_backward_rows, LN_ROWS_PARAMS, LN_ROWS_ARGS)
FUSE_VARIANTS(layernorm_backward_parameters, LN_PARAMETERS_PARAMS, LN_PARAMETERS_ARGS)
FUSE_VARIANTS(column_sums, COLUMN_SUMS_PARAMS, COLUMN_SUMS_ARGS)
FUSE_VARIANTS(gelu_forward, GELU_FORWARD_PARAMS, GELU_FORWARD_ARGS)
FUSE_VARIANTS(gelu_backward, GELU_BACKWARD_PARAMS, GELU_BACKWARD_ARGS)
FUSE_VARIANTS(dropout_mask, DROPOUT_PARAMS, DROPOUT_ARGS)
FUSE_VARIANTS(attention_forward, ATTENTION_FORWARD_PARAMS, ATTENTION_FORWARD_ARGS)
FUSE_VARIANTS(attention_backward, ATTENTION_BACKWARD_PARAMS, ATTENTION_BACKWARD_ARGS)
FUSE_VARIANTS(adamw, ADAMW_PARAMS, ADAMW_ARGS)
FUSE_VARIANTS(sum_squares, SQUARES_PARAMS, SQUARES_ARGS)

void fuse_train_layernorm_forward LN_FORWARD_PARAMS { FUSE_DISPATCH(layernorm_forward, LN_FORWARD_ARGS) }
void fuse_train_layernorm_backward_rows LN_ROWS_PARAMS { FUSE_DISPATCH(layernorm_backward_rows, LN_ROWS_ARGS) }
void fuse_train_layernorm_backward_parameters LN_PARAMETERS_PARAMS {
    FUSE_DISPATCH(layernorm_backward_parameters, LN_PARAMETERS_ARGS)
}
void fuse_train_column_sums COLUMN_SUMS_PARAMS { FUSE_DISPATCH(column_sums, COLUMN_SUMS_ARGS) }
void fuse_train_gelu_forward GELU_FORWARD_PARAMS { FUSE_DISPATCH(gelu_forward, GELU_FORWARD_ARGS) }
void fuse_train_gelu_backward GELU_BACKWARD_PARAMS { FUSE_DISPATCH(gelu_backward, GELU_BACKWARD_ARGS) }
void fuse_train_dropout_mask DROPOUT_PARAMS { FUSE_DISPATCH(dropout_mask, DROPOUT_ARGS) }
void fuse_train_attention_forward ATTENTION_FORWARD_PARAMS {
    FUSE_DISPATCH(attention_forward, ATTENTION_FORWARD_ARGS)
}
void fuse_train_attention_backward ATTENTION_BACKWARD_PARAMS {
    FUSE_DISPATCH(attention_backward, ATTENTION_BACKWARD_ARGS)
}
void fuse_train_adamw ADAMW_PARAMS { FUSE_DISPATCH(adamw, ADAMW_ARGS) }
double fuse_train_sum_squares(const float *x, int64_t count) {
    double total = 0, *result = &total;
    FUSE_DISPATCH(sum_squares, SQUARES_ARGS)
    return total;
}

size_t fuse_train_attention_scratch_floats(int64_t longest, int64_t head_dim) {
    return (size_t)(longest * longest + longest * head_dim + 1);
}
