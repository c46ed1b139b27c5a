/* Fused scaled dot-product attention, fp32, for problems without causal or band masks (encoders: ViT, BERT, CLIP's
   image tower), a few query rows at a time with an exact softmax: for ROWS query rows, all their scores against the
   head's keys are computed into a small [ROWS × keys] tile by a register-blocked micro-kernel (each key vector loaded
   feeds ROWS multiply-adds), each row's exact maximum and sum are taken in one pass, and P · V accumulates in registers
   and is scaled by 1 / sum once. Nothing is rescaled and no key block is padded beyond the next multiple of 16, which
   is what the flash-style kernel (fuse_attention.c) pays for on ViT's 197 keys (4 × 64 − 59 padded keys, and a
   correction per block). Keys are transposed once per (batch item, head), 16 × 16 at a time in registers; values are
   read in place. The tile is ROWS × keys floats, so memory stays small however long the sequence; measured faster than
   the flash kernel from 24 to 4096 keys (BENCHMARKS.md). */
#include "attention_rows.h"
#include "fast_math.h"
#include "lanes16.h"
#include "vector_dispatch.h"

#include <math.h>
#include <string.h>

/* The 16-float vector helpers below are always inlined, so the vector ABI of builds without AVX-512 never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

/* The most query rows, key vectors (scores) and value vectors (outputs) a micro-kernel holds in registers: 6 × 4
   accumulators of 16 floats plus the 4 loaded vectors and a broadcast fill AVX-512's 32 registers. */
enum { MAX_ROWS = 6, MAX_KEY_VECTORS = 4, MAX_VALUE_VECTORS = 4, LANES = 16 };

int fuse_attention_rows_applies(const fuse_attention_problem *problem) {
    return !problem->causal && problem->band < 0 && problem->head_dim % LANES == 0 && problem->key_length >= 1;
}

size_t fuse_attention_rows_scratch_floats(const fuse_attention_problem *problem) {
    const size_t ldk = (size_t)fuse_attention_rows_padded_keys(problem->key_length);
    return ldk * (size_t)problem->head_dim + ldk + MAX_ROWS * ldk + LANES;
}

/* kt[d][j] = key row j, dimension d, for j < key_length; zeros in the padded tail up to ldk. */
FUSE_INLINE void transpose_keys(const float *k_base, int64_t kv_stride, int64_t key_length, int64_t d_head,
                                int64_t ldk, float *kt) {
    for (int64_t j0 = 0; j0 < ldk; j0 += LANES) {
        for (int64_t d0 = 0; d0 < d_head; d0 += LANES) {
            lanes16 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = j0 + i < key_length ? load16(k_base + (j0 + i) * kv_stride + d0) : (lanes16)0;
            transpose16(r);
            for (int c = 0; c < 16; c++) store16(kt + (d0 + c) * ldk + j0, r[c]);
        }
    }
}

/* tile[r][j0 + …] = scale · q_r · k_j + bias_j for `vectors` × 16 keys from j0 and `rows` query rows (a constant, so
   the accumulators live in registers). */
FUSE_INLINE void score_block(const float *const q_rows[MAX_ROWS], const float *kt, int64_t ldk, int64_t d_head,
                             int64_t j0, const float *key_bias, float scale, float *tile, const int rows,
                             const int vectors) {
    lanes16 acc[MAX_ROWS][MAX_KEY_VECTORS];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) acc[r][v] = 0;
    for (int64_t d = 0; d < d_head; d++) {
        const float *k_line = kt + d * ldk + j0;
        lanes16 k[MAX_KEY_VECTORS];
        for (int v = 0; v < vectors; v++) k[v] = load16(k_line + v * LANES);
        for (int r = 0; r < rows; r++) {
            const lanes16 q = q_rows[r][d];
            for (int v = 0; v < vectors; v++) acc[r][v] += q * k[v];
        }
    }
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) {
            const int64_t j = j0 + v * LANES;
            store16(tile + r * ldk + j, acc[r][v] * scale + load16(key_bias + j));
        }
}

/* out_r[d0 + …] = inverse_r · Σ_j tile[r][j] · v_j[d0 + …] for `vectors` × 16 output columns of `rows` rows;
   only the first `stored` rows are written (the others repeat a real row to keep the loop uniform). */
FUSE_INLINE void value_block(const float *tile, int64_t ldk, const float *v_base, int64_t kv_stride,
                             int64_t key_length, int64_t d0, const float inverse[MAX_ROWS], float *const o_rows[MAX_ROWS],
                             int64_t stored, const int rows, const int vectors) {
    lanes16 acc[MAX_ROWS][MAX_VALUE_VECTORS];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) acc[r][v] = 0;
    for (int64_t j = 0; j < key_length; j++) {
        const float *v_row = v_base + j * kv_stride + d0;
        lanes16 values[MAX_VALUE_VECTORS];
        for (int v = 0; v < vectors; v++) values[v] = load16(v_row + v * LANES);
        for (int r = 0; r < rows; r++) {
            const lanes16 p = tile[r * ldk + j];
            for (int v = 0; v < vectors; v++) acc[r][v] += p * values[v];
        }
    }
    for (int r = 0; r < rows; r++) {
        if (r >= stored) break;
        for (int v = 0; v < vectors; v++) store16(o_rows[r] + d0 + v * LANES, acc[r][v] * inverse[r]);
    }
}

/* Each row of the tile becomes its unnormalised probabilities e^(s − max); inverse[r] = 1 / Σ (0 when the row sees
   no key at all, whose output is then zeros). */
FUSE_INLINE void softmax_rows(float *tile, int64_t ldk, float inverse[MAX_ROWS], const int rows) {
    for (int r = 0; r < rows; r++) inverse[r] = fuse_attention_exponentiate_row(tile + r * ldk, ldk);
}

/* Score blocks of up to `kv` key vectors, the last block narrower, each width a constant for score_block. */
FUSE_INLINE void score_rows(const float *const q_rows[MAX_ROWS], const float *kt, int64_t ldk, int64_t d_head,
                            const float *key_bias, float scale, float *tile, const int rows, const int kv) {
    const int64_t vectors = ldk / LANES;
    int64_t v0 = 0;
    for (; v0 + kv <= vectors; v0 += kv) score_block(q_rows, kt, ldk, d_head, v0 * LANES, key_bias, scale, tile, rows, kv);
    switch (vectors - v0) {
    case 3: score_block(q_rows, kt, ldk, d_head, v0 * LANES, key_bias, scale, tile, rows, 3); break;
    case 2: score_block(q_rows, kt, ldk, d_head, v0 * LANES, key_bias, scale, tile, rows, 2); break;
    case 1: score_block(q_rows, kt, ldk, d_head, v0 * LANES, key_bias, scale, tile, rows, 1); break;
    default: break;
    }
}

FUSE_INLINE void value_rows(const float *tile, int64_t ldk, const float *v_base, int64_t kv_stride, int64_t key_length,
                            int64_t d_head, const float inverse[MAX_ROWS], float *const o_rows[MAX_ROWS],
                            int64_t stored, const int rows, const int vv) {
    int64_t d0 = 0;
    for (; d0 + vv * LANES <= d_head; d0 += vv * LANES)
        value_block(tile, ldk, v_base, kv_stride, key_length, d0, inverse, o_rows, stored, rows, vv);
    switch ((d_head - d0) / LANES) {
    case 3: value_block(tile, ldk, v_base, kv_stride, key_length, d0, inverse, o_rows, stored, rows, 3); break;
    case 2: value_block(tile, ldk, v_base, kv_stride, key_length, d0, inverse, o_rows, stored, rows, 2); break;
    case 1: value_block(tile, ldk, v_base, kv_stride, key_length, d0, inverse, o_rows, stored, rows, 1); break;
    default: break;
    }
}

/* One build of the path: `rows` query rows per tile, score blocks of `kv` key vectors, output blocks of `vv` value
   vectors (constants chosen per instruction set so the accumulators fit its registers). */
FUSE_INLINE void attention_rows_body(const fuse_attention_problem *pr, int64_t first_pair, int64_t pairs,
                                     float *scratch, const int rows, const int kv, const int vv) {
    const int64_t d_head = pr->head_dim, lq = pr->query_length, lk = pr->key_length;
    const int64_t q_stride = pr->heads * d_head, kv_stride = pr->kv_heads * d_head;
    const int64_t group = pr->heads / pr->kv_heads, ldk = fuse_attention_rows_padded_keys(lk);
    float *kt = scratch;                 /* [d_head][ldk]: the head's keys, transposed */
    float *key_bias = kt + d_head * ldk; /* [ldk]: 0 to attend, −∞ for padding and the padded tail */
    float *tile = key_bias + ldk;        /* [rows][ldk]: scores, then unnormalised probabilities */

    int64_t transposed_for = -1; /* grouped-query heads share keys: (batch item, kv head) already in kt */
    for (int64_t pair = first_pair; pair < first_pair + pairs; pair++) {
        const int64_t b = pair / pr->heads, h = pair % pr->heads, kv_head = h / group;
        const float *q_base = pr->query + b * lq * q_stride + h * d_head;
        const float *v_base = pr->value + b * lk * kv_stride + kv_head * d_head;
        float *o_base = pr->output + b * lq * q_stride + h * d_head;
        const int64_t kv_pair = b * pr->kv_heads + kv_head;
        if (kv_pair != transposed_for) {
            transpose_keys(pr->key + b * lk * kv_stride + kv_head * d_head, kv_stride, lk, d_head, ldk, kt);
            const int32_t *mask = pr->key_mask ? pr->key_mask + b * lk : NULL;
            for (int64_t j = 0; j < ldk; j++) key_bias[j] = (j >= lk || (mask && mask[j] == 0)) ? -INFINITY : 0.0f;
            transposed_for = kv_pair;
        }
        for (int64_t i0 = 0; i0 < lq; i0 += rows) {
            const int64_t stored = lq - i0 < rows ? lq - i0 : rows;
            const float *q_rows[MAX_ROWS];
            float *o_rows[MAX_ROWS];
            for (int r = 0; r < rows; r++) {
                const int64_t i = i0 + (r < stored ? r : stored - 1);
                q_rows[r] = q_base + i * q_stride;
                o_rows[r] = o_base + i * q_stride;
            }
            float inverse[MAX_ROWS];
            score_rows(q_rows, kt, ldk, d_head, key_bias, pr->scale, tile, rows, kv);
            softmax_rows(tile, ldk, inverse, rows);
            value_rows(tile, ldk, v_base, kv_stride, lk, d_head, inverse, o_rows, stored, rows, vv);
        }
    }
}

#if defined(__x86_64__)
/* AVX-512: 6 rows × 4 vectors = 24 zmm accumulators. AVX2 + FMA (16 ymm registers, two per 16-float vector): 6 rows
   × 1 vector = 12 ymm (6 % faster than 4 rows on Zen 4's AVX2 build). Baseline SSE (four registers per vector):
   2 rows × 1 vector, so nothing spills. */
FUSE_AVX512 static void attention_rows_avx512(const fuse_attention_problem *pr, int64_t first, int64_t pairs,
                                              float *scratch) {
    attention_rows_body(pr, first, pairs, scratch, 6, 4, 4);
}
FUSE_AVX2 static void attention_rows_avx2(const fuse_attention_problem *pr, int64_t first, int64_t pairs,
                                          float *scratch) {
    attention_rows_body(pr, first, pairs, scratch, 6, 1, 1);
}
static void attention_rows_baseline(const fuse_attention_problem *pr, int64_t first, int64_t pairs, float *scratch) {
    attention_rows_body(pr, first, pairs, scratch, 2, 1, 1);
}

void fuse_attention_rows_run(const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs,
                             float *scratch) {
    switch (fuse_vector_level()) {
    case 2: attention_rows_avx512(problem, first_pair, pairs, scratch); break;
    case 1: attention_rows_avx2(problem, first_pair, pairs, scratch); break;
    default: attention_rows_baseline(problem, first_pair, pairs, scratch); break;
    }
}
#else
void fuse_attention_rows_run(const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs,
                             float *scratch) {
    attention_rows_body(problem, first_pair, pairs, scratch, 4, 1, 1);
}
#endif
