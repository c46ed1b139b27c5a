#ifndef FUSE_INDEX_KERNELS_H
#define FUSE_INDEX_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/* Scores of int8 rows against an int8 query: out[r] = scales[r] * query_scale * sum_i rows[r*dim+i] * query[i],
   for r in [0, count). Exact integer dot products (|products| <= 127^2, sums fit int32 for dim < 2^17); the AVX2
   version is chosen at run time when the CPU has it. */
void fuse_index_int8_scores(const int8_t *rows, const float *scales, size_t count, size_t dim,
                            const int8_t *query, float query_scale, float *out);

/* Scores of float32 rows against a float32 query: out[r] = sum_i rows[r*dim+i] * query[i], for r in [0, count); the
   AVX2+FMA version (four rows at a time, so each query load serves four rows) is chosen at run time. */
void fuse_index_float32_scores(const float *rows, size_t count, size_t dim, const float *query, float *out);

#endif
