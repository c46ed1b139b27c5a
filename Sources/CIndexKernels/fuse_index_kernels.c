#include "fuse_index_kernels.h"
#include <immintrin.h>

/* One loop body, compiled twice: the compiler vectorises the widening multiply-add (vpmovsxbw + vpmaddwd with
   AVX2), which Swift's generic SIMD conversions do not. */
#define FUSE_INT8_SCORES_BODY                                                                   \
    for (size_t r = 0; r < count; r++) {                                                        \
        const int8_t *row = rows + r * dim;                                                     \
        int32_t sum = 0;                                                                        \
        for (size_t i = 0; i < dim; i++) sum += (int16_t)row[i] * (int16_t)query[i];            \
        out[r] = (float)sum * scales[r] * query_scale;                                          \
    }

__attribute__((target("avx2")))
static void scores_avx2(const int8_t *rows, const float *scales, size_t count, size_t dim, const int8_t *query,
                        float query_scale, float *out) {
    FUSE_INT8_SCORES_BODY
}

static void scores_generic(const int8_t *rows, const float *scales, size_t count, size_t dim, const int8_t *query,
                           float query_scale, float *out) {
    FUSE_INT8_SCORES_BODY
}

/* AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes, so the query is made unsigned (d + 128, an XOR with
   0x80) and 128 * sum(row) is taken back off; the row sum comes from a second vpdpbusd against a vector of ones.
   One row at a time, read front to back: at memory speed this streams as fast as a plain read (four interleaved
   rows measured 30 % slower there), and in the cache it is ~3x the AVX2 kernel. The last partial 64-byte chunk is
   read with a mask (nothing past the row). The integer sums are exact, so the scores equal the other kernels' bit
   for bit. */
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void scores_vnni(const int8_t *rows, const float *scales, size_t count, size_t dim, const int8_t *query,
                        float query_scale, float *out) {
    const __m512i flip = _mm512_set1_epi8((char)0x80), ones = _mm512_set1_epi8(1);
    const size_t full = dim / 64, rest = dim % 64;
    const __mmask64 tail = rest ? (((__mmask64)1 << rest) - 1) : 0;
    for (size_t r = 0; r < count; r++) {
        const int8_t *a = rows + r * dim;
        __m512i d0 = _mm512_setzero_si512(), s0 = d0;
        for (size_t i = 0; i < full; i++) {
            __m512i q = _mm512_xor_si512(_mm512_loadu_si512(query + i * 64), flip);
            __m512i x = _mm512_loadu_si512(a + i * 64);
            d0 = _mm512_dpbusd_epi32(d0, q, x); s0 = _mm512_dpbusd_epi32(s0, ones, x);
        }
        if (tail) {
            __m512i q = _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, query + full * 64), flip);
            __m512i x = _mm512_maskz_loadu_epi8(tail, a + full * 64);
            d0 = _mm512_dpbusd_epi32(d0, q, x); s0 = _mm512_dpbusd_epi32(s0, ones, x);
        }
        __m512i t = _mm512_sub_epi32(d0, _mm512_slli_epi32(s0, 7));
        out[r] = (float)_mm512_reduce_add_epi32(t) * scales[r] * query_scale;
    }
}

void fuse_index_int8_scores(const int8_t *rows, const float *scales, size_t count, size_t dim,
                            const int8_t *query, float query_scale, float *out) {
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) {
        scores_vnni(rows, scales, count, dim, query, query_scale, out);
    } else if (__builtin_cpu_supports("avx2")) {
        scores_avx2(rows, scales, count, dim, query, query_scale, out);
    } else {
        scores_generic(rows, scales, count, dim, query, query_scale, out);
    }
}

/* Four rows per pass share each query load; the compiler vectorises the inner loop (-O3, FMA contraction). */
#define FUSE_FLOAT32_SCORES_BODY                                                                \
    size_t r = 0;                                                                               \
    for (; r + 4 <= count; r += 4) {                                                            \
        const float *a = rows + r * dim, *b = a + dim, *c = b + dim, *d = c + dim;              \
        float sa = 0, sb = 0, sc = 0, sd = 0;                                                   \
        _Pragma("clang loop vectorize(enable) interleave(enable)")                              \
        for (size_t i = 0; i < dim; i++) {                                                      \
            float q = query[i];                                                                 \
            sa += a[i] * q; sb += b[i] * q; sc += c[i] * q; sd += d[i] * q;                     \
        }                                                                                       \
        out[r] = sa; out[r + 1] = sb; out[r + 2] = sc; out[r + 3] = sd;                         \
    }                                                                                           \
    for (; r < count; r++) {                                                                    \
        const float *a = rows + r * dim;                                                        \
        float s = 0;                                                                            \
        for (size_t i = 0; i < dim; i++) s += a[i] * query[i];                                  \
        out[r] = s;                                                                             \
    }

__attribute__((target("avx2,fma")))
static void float32_avx2(const float *rows, size_t count, size_t dim, const float *query, float *out) {
    FUSE_FLOAT32_SCORES_BODY
}

static void float32_generic(const float *rows, size_t count, size_t dim, const float *query, float *out) {
    FUSE_FLOAT32_SCORES_BODY
}

void fuse_index_float32_scores(const float *rows, size_t count, size_t dim, const float *query, float *out) {
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        float32_avx2(rows, count, dim, query, out);
    } else {
        float32_generic(rows, count, dim, query, out);
    }
}
