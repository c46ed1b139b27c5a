#include "fuse_index_kernels.h"

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

void fuse_index_int8_scores(const int8_t *rows, const float *scales, size_t count, size_t dim,
                            const int8_t *query, float query_scale, float *out) {
    if (__builtin_cpu_supports("avx2")) {
        scores_avx2(rows, scales, count, dim, query, query_scale, out);
    } else {
        scores_generic(rows, scales, count, dim, query, query_scale, out);
    }
}
