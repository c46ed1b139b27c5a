/* Sixteen float lanes (one AVX-512 register, two AVX2 ones, four SSE ones: clang lowers the vector type to what the
   enclosing build targets) and the helpers every C kernel shares: unaligned loads and stores, and horizontal sums and
   maxima in two fixed orders — lane by lane, or as a tree of halves. Which order a kernel uses is part of its results,
   so each keeps the one its tests pin. */
#ifndef FUSE_LANES16_H
#define FUSE_LANES16_H

#include <stdint.h>
#include <string.h>

#include "vector_dispatch.h"

#pragma clang diagnostic ignored "-Wpsabi"

typedef float lanes16 __attribute__((ext_vector_type(16)));
typedef uint32_t word16 __attribute__((ext_vector_type(16)));
typedef int32_t int16x __attribute__((ext_vector_type(16)));

FUSE_INLINE lanes16 load16(const float *p) {
    lanes16 v;
    memcpy(&v, p, sizeof v);
    return v;
}
FUSE_INLINE void store16(float *p, lanes16 v) { memcpy(p, &v, sizeof v); }

/* Lane 0 + lane 1 + … + lane 15, in that order. */
FUSE_INLINE float sum16(lanes16 v) {
    float s = 0;
    for (int l = 0; l < 16; l++) s += v[l];
    return s;
}
/* The largest lane, scanned in lane order. */
FUSE_INLINE float max16(lanes16 v) {
    float m = v[0];
    for (int l = 1; l < 16; l++) m = v[l] > m ? v[l] : m;
    return m;
}

/* The same by halves: lanes 0–7 against 8–15, then 4, 2, 1 (shuffles instead of 15 dependent scalar steps). */
FUSE_INLINE float tree_max16(lanes16 v) {
    lanes16 m = __builtin_elementwise_max(v, __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4,
                                                                     5, 6, 7));
    m = __builtin_elementwise_max(m, __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
    m = __builtin_elementwise_max(m, __builtin_shufflevector(m, m, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
    return m[0] > m[1] ? m[0] : m[1];
}
FUSE_INLINE float tree_sum16(lanes16 v) {
    lanes16 s = v + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    s += __builtin_shufflevector(s, s, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3);
    s += __builtin_shufflevector(s, s, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1);
    return s[0] + s[1];
}

#endif
