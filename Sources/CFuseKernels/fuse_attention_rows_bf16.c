/* The rows attention path (fuse_attention_rows.c) with bfloat16 operands, for models running in bf16 on CPUs with
   AVX512-BF16: Q · Kᵀ and P · V take bf16 inputs with fp32 sums (`vdpbf16ps`: 16 lanes, each adding two products per
   instruction, so half the multiply-add instructions of the fp32 path); the scores, their scale and mask, the softmax
   and its sum stay fp32, as PyTorch's bf16 SDPA keeps them. Same tiling as the fp32 path: ROWS query rows at a time,
   all their scores in a [ROWS × keys] tile, an exact softmax, P · V in registers scaled by 1 / sum once.

   Layouts, in 32-bit words of two bf16 (the lower half the even element, as vdpbf16ps pairs them):
   - keys, once per (batch item, kv head): word [p][j] = (k_j[2p], k_j[2p + 1]), keys padded with zeros to a multiple
     of 16; a score vector of 16 keys is then Σ_p broadcast(q[2p], q[2p + 1]) · keys[p][j0 …];
   - values, once per (batch item, kv head): word [jj][d] = (v_2jj[d], v_2jj+1[d]), an odd last key paired with zeros;
   - each query row and each row of probabilities: bf16 in order, read as words of two.
   Rounding is to nearest even (the conversion instructions). */
#include "attention_rows.h"
#include "fast_math.h"
#include "lanes16.h"
#include "vector_dispatch.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The 16-float vector helpers are always inlined, so the vector ABI of builds without AVX-512 never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

enum { BF16_ROWS = 6, BF16_KEY_VECTORS = 4, BF16_VALUE_VECTORS = 4, BF16_LANES = 16 };

size_t fuse_attention_rows_bf16_scratch_floats(const fuse_attention_problem *problem) {
    const size_t ldk = (size_t)fuse_attention_rows_padded_keys(problem->key_length), d = (size_t)problem->head_dim;
    /* keys (d/2 × ldk words) + values (ldk/2 × d words) + key bias + score tile + probability words + query words,
       and 16 floats to align the start to 64 bytes */
    return d * ldk + ldk + BF16_ROWS * ldk + BF16_ROWS * ldk / 2 + BF16_ROWS * d / 2 + 16;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define FUSE_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma,avx2")))

int fuse_attention_rows_bf16_available(void) {
    static int available = -1;
    int seen = __atomic_load_n(&available, __ATOMIC_RELAXED);
    if (seen < 0) {
        __builtin_cpu_init();
        seen = __builtin_cpu_supports("avx512bf16") ? 1 : 0;
        __atomic_store_n(&available, seen, __ATOMIC_RELAXED);
    }
    /* The vector level's cap (tests of narrower builds) turns the bf16 path off with the AVX-512 build. */
    return seen && fuse_vector_level() == 2;
}

/* 16 words of (lo[l], hi[l]) bf16 pairs from two 16-float vectors. */
FUSE_AVX512_BF16 static inline __m512i pair_words(__m512 lo, __m512 hi) {
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                                6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    /* cvtne2ps_pbh(a, b): elements 0–15 are b rounded, 16–31 a rounded. */
    return _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

/* `count` floats (a multiple of 16) as bf16 in order, `count / 2` words. */
FUSE_AVX512_BF16 static inline void to_words(const float *x, int64_t count, uint32_t *words) {
    int64_t c = 0;
    for (; c + 32 <= count; c += 32)
        _mm512_storeu_si512(words + c / 2,
                            (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + c + 16), _mm512_loadu_ps(x + c)));
    if (c < count) _mm256_storeu_si256((__m256i *)(words + c / 2), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + c)));
}

/* The keys of one (batch item, kv head) as pair words [d/2][ldk], zero beyond key_length. */
FUSE_AVX512_BF16 static void pack_keys(const float *k_base, int64_t kv_stride, int64_t key_length, int64_t d_head,
                                       int64_t ldk, uint32_t *keys) {
    for (int64_t j0 = 0; j0 < ldk; j0 += BF16_LANES) {
        for (int64_t d0 = 0; d0 < d_head; d0 += BF16_LANES) {
            /* 16 keys × 16 dimensions, transposed: column c = the 16 keys' dimension d0 + c. */
            lanes16 r[16];
            for (int i = 0; i < 16; i++) {
                /* memcpy, not load16: a function with this target may not take a lanes16 by value from one without */
                if (j0 + i < key_length) memcpy(&r[i], k_base + (j0 + i) * kv_stride + d0, sizeof r[i]);
                else r[i] = (lanes16)0;
            }
            transpose16(r);
            for (int c = 0; c < 16; c += 2)
                _mm512_storeu_si512(keys + (d0 + c) / 2 * ldk + j0, pair_words((__m512)r[c], (__m512)r[c + 1]));
        }
    }
}

/* The values of one (batch item, kv head) as pair words [pairs][d], the odd last key paired with zeros. */
FUSE_AVX512_BF16 static void pack_values(const float *v_base, int64_t kv_stride, int64_t key_length, int64_t d_head,
                                         uint32_t *values) {
    for (int64_t jj = 0; jj < (key_length + 1) / 2; jj++) {
        const float *even = v_base + 2 * jj * kv_stride, *odd = even + kv_stride;
        const int has_odd = 2 * jj + 1 < key_length;
        for (int64_t d0 = 0; d0 < d_head; d0 += BF16_LANES) {
            const __m512 hi = has_odd ? _mm512_loadu_ps(odd + d0) : _mm512_setzero_ps();
            _mm512_storeu_si512(values + jj * d_head + d0, pair_words(_mm512_loadu_ps(even + d0), hi));
        }
    }
}

/* tile[r][j0 + …] = scale · q_r · k_j + bias_j for `vectors` × 16 keys from j0 and `rows` query rows. */
FUSE_INLINE FUSE_AVX512_BF16 void bf16_score_block(const uint32_t *queries, const uint32_t *keys, int64_t ldk,
                                                   int64_t d_head, int64_t j0, const float *key_bias, float scale,
                                                   float *tile, const int rows, const int vectors) {
    __m512 acc[BF16_ROWS][BF16_KEY_VECTORS];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_setzero_ps();
    const int64_t pairs = d_head / 2;
    for (int64_t p = 0; p < pairs; p++) {
        const uint32_t *k_line = keys + p * ldk + j0;
        __m512bh k[BF16_KEY_VECTORS];
        for (int v = 0; v < vectors; v++) k[v] = (__m512bh)_mm512_loadu_si512(k_line + v * BF16_LANES);
        for (int r = 0; r < rows; r++) {
            const __m512bh q = (__m512bh)_mm512_set1_epi32((int)queries[r * pairs + p]);
            for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], q, k[v]);
        }
    }
    const __m512 scales = _mm512_set1_ps(scale);
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) {
            const int64_t j = j0 + v * BF16_LANES;
            _mm512_storeu_ps(tile + r * ldk + j, _mm512_fmadd_ps(acc[r][v], scales, _mm512_loadu_ps(key_bias + j)));
        }
}

/* out_r[d0 + …] = inverse_r · Σ_jj (p_r[2jj], p_r[2jj+1]) · (v_2jj, v_2jj+1)[d0 + …] for `vectors` × 16 columns;
   only the first `stored` rows are written. */
FUSE_INLINE FUSE_AVX512_BF16 void bf16_value_block(const uint32_t *probabilities, int64_t ldk, const uint32_t *values,
                                                   int64_t key_pairs, int64_t d_head, int64_t d0,
                                                   const float inverse[BF16_ROWS], float *const o_rows[BF16_ROWS],
                                                   int64_t stored, const int rows, const int vectors) {
    __m512 acc[BF16_ROWS][BF16_VALUE_VECTORS];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_setzero_ps();
    const int64_t row_words = ldk / 2;
    for (int64_t jj = 0; jj < key_pairs; jj++) {
        const uint32_t *v_line = values + jj * d_head + d0;
        __m512bh value[BF16_VALUE_VECTORS];
        for (int v = 0; v < vectors; v++) value[v] = (__m512bh)_mm512_loadu_si512(v_line + v * BF16_LANES);
        for (int r = 0; r < rows; r++) {
            const __m512bh p = (__m512bh)_mm512_set1_epi32((int)probabilities[r * row_words + jj]);
            for (int v = 0; v < vectors; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], p, value[v]);
        }
    }
    for (int r = 0; r < rows; r++) {
        if (r >= stored) break;
        const __m512 scale = _mm512_set1_ps(inverse[r]);
        for (int v = 0; v < vectors; v++)
            _mm512_storeu_ps(o_rows[r] + d0 + v * BF16_LANES, _mm512_mul_ps(acc[r][v], scale));
    }
}

/* Each tile row becomes e^(s − max) (fp32, its sum's inverse in `inverse`) and, rounded to bf16, `probabilities`
   row r (ldk / 2 words). */
FUSE_AVX512_BF16 static void bf16_softmax_rows(float *tile, int64_t ldk, float inverse[BF16_ROWS],
                                               uint32_t *probabilities, int rows) {
    for (int r = 0; r < rows; r++) {
        inverse[r] = fuse_attention_exponentiate_row(tile + r * ldk, ldk);
        to_words(tile + r * ldk, ldk, probabilities + r * (ldk / 2));
    }
}

FUSE_INLINE FUSE_AVX512_BF16 void bf16_score_rows(const uint32_t *queries, const uint32_t *keys, int64_t ldk,
                                                  int64_t d_head, const float *key_bias, float scale, float *tile,
                                                  const int rows) {
    const int64_t vectors = ldk / BF16_LANES;
    int64_t v0 = 0;
    for (; v0 + BF16_KEY_VECTORS <= vectors; v0 += BF16_KEY_VECTORS)
        bf16_score_block(queries, keys, ldk, d_head, v0 * BF16_LANES, key_bias, scale, tile, rows, BF16_KEY_VECTORS);
    switch (vectors - v0) {
    case 3: bf16_score_block(queries, keys, ldk, d_head, v0 * BF16_LANES, key_bias, scale, tile, rows, 3); break;
    case 2: bf16_score_block(queries, keys, ldk, d_head, v0 * BF16_LANES, key_bias, scale, tile, rows, 2); break;
    case 1: bf16_score_block(queries, keys, ldk, d_head, v0 * BF16_LANES, key_bias, scale, tile, rows, 1); break;
    default: break;
    }
}

FUSE_INLINE FUSE_AVX512_BF16 void bf16_value_rows(const uint32_t *probabilities, int64_t ldk, const uint32_t *values,
                                                  int64_t key_pairs, int64_t d_head, const float inverse[BF16_ROWS],
                                                  float *const o_rows[BF16_ROWS], int64_t stored, const int rows) {
    int64_t d0 = 0;
    for (; d0 + BF16_VALUE_VECTORS * BF16_LANES <= d_head; d0 += BF16_VALUE_VECTORS * BF16_LANES)
        bf16_value_block(probabilities, ldk, values, key_pairs, d_head, d0, inverse, o_rows, stored, rows,
                         BF16_VALUE_VECTORS);
    switch ((d_head - d0) / BF16_LANES) {
    case 3: bf16_value_block(probabilities, ldk, values, key_pairs, d_head, d0, inverse, o_rows, stored, rows, 3); break;
    case 2: bf16_value_block(probabilities, ldk, values, key_pairs, d_head, d0, inverse, o_rows, stored, rows, 2); break;
    case 1: bf16_value_block(probabilities, ldk, values, key_pairs, d_head, d0, inverse, o_rows, stored, rows, 1); break;
    default: break;
    }
}

FUSE_AVX512_BF16 static void attention_rows_bf16(const fuse_attention_problem *pr, int64_t first_pair, int64_t pairs,
                                                 float *scratch) {
    const int64_t d_head = pr->head_dim, lq = pr->query_length, lk = pr->key_length;
    const int64_t q_stride = pr->heads * d_head, kv_stride = pr->kv_heads * d_head;
    const int64_t group = pr->heads / pr->kv_heads, ldk = fuse_attention_rows_padded_keys(lk), key_pairs = (lk + 1) / 2;
    float *aligned = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    uint32_t *keys = (uint32_t *)aligned;                    /* [d/2][ldk] pair words */
    uint32_t *values = keys + d_head / 2 * ldk;              /* [ldk/2][d] pair words */
    float *key_bias = (float *)(values + ldk / 2 * d_head);  /* [ldk]: 0 to attend, −∞ for padding and the tail */
    float *tile = key_bias + ldk;                            /* [ROWS][ldk]: scores, then e^(s − max) */
    uint32_t *probabilities = (uint32_t *)(tile + BF16_ROWS * ldk); /* [ROWS][ldk/2] */
    uint32_t *queries = probabilities + BF16_ROWS * ldk / 2;        /* [ROWS][d/2] */

    int64_t packed_for = -1; /* grouped-query heads share keys and values: (batch item, kv head) already packed */
    for (int64_t pair = first_pair; pair < first_pair + pairs; pair++) {
        const int64_t b = pair / pr->heads, h = pair % pr->heads, kv_head = h / group;
        const float *q_base = pr->query + b * lq * q_stride + h * d_head;
        float *o_base = pr->output + b * lq * q_stride + h * d_head;
        const int64_t kv_pair = b * pr->kv_heads + kv_head;
        if (kv_pair != packed_for) {
            const int64_t offset = b * lk * kv_stride + kv_head * d_head;
            pack_keys(pr->key + offset, kv_stride, lk, d_head, ldk, keys);
            pack_values(pr->value + offset, kv_stride, lk, d_head, values);
            const int32_t *mask = pr->key_mask ? pr->key_mask + b * lk : NULL;
            for (int64_t j = 0; j < ldk; j++) key_bias[j] = (j >= lk || (mask && mask[j] == 0)) ? -INFINITY : 0.0f;
            packed_for = kv_pair;
        }
        for (int64_t i0 = 0; i0 < lq; i0 += BF16_ROWS) {
            const int64_t stored = lq - i0 < BF16_ROWS ? lq - i0 : BF16_ROWS;
            float *o_rows[BF16_ROWS];
            for (int r = 0; r < BF16_ROWS; r++) {
                const int64_t i = i0 + (r < stored ? r : stored - 1);
                to_words(q_base + i * q_stride, d_head, queries + r * (d_head / 2));
                o_rows[r] = o_base + i * q_stride;
            }
            float inverse[BF16_ROWS];
            bf16_score_rows(queries, keys, ldk, d_head, key_bias, pr->scale, tile, BF16_ROWS);
            bf16_softmax_rows(tile, ldk, inverse, probabilities, BF16_ROWS);
            bf16_value_rows(probabilities, ldk, values, key_pairs, d_head, inverse, o_rows, stored, BF16_ROWS);
        }
    }
}

void fuse_attention_rows_bf16_run(const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs,
                                  float *scratch) {
    attention_rows_bf16(problem, first_pair, pairs, scratch);
}
#else
int fuse_attention_rows_bf16_available(void) { return 0; }
void fuse_attention_rows_bf16_run(const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs,
                                  float *scratch) {
    (void)problem, (void)first_pair, (void)pairs, (void)scratch;
}
#endif
