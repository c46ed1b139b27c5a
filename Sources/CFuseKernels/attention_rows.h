/* The exact-softmax attention path for problems without causal or band masks (fuse_attention_rows.c), which
   fuse_attention_run picks over the flash-style kernel when it applies. Private to CFuseKernels. */
#ifndef FUSE_ATTENTION_ROWS_H
#define FUSE_ATTENTION_ROWS_H

#include "fast_math.h"
#include "fuse_kernels.h"
#include "lanes16.h"

#include <math.h>
#include <string.h>

/* Keys padded to whole 16-key vectors. */
FUSE_INLINE int64_t fuse_attention_rows_padded_keys(int64_t key_length) { return (key_length + 15) / 16 * 16; }

/* 16 × 16 floats transposed in registers: four rounds of interleaving row i with row i + 8. Each round rotates the
   8-bit index (row, column) of every element left by one bit, so four rounds swap row and column. */
FUSE_INLINE void transpose16(lanes16 r[16]) {
    for (int round = 0; round < 4; round++) {
        lanes16 t[16];
        for (int i = 0; i < 8; i++) {
            t[2 * i] = __builtin_shufflevector(r[i], r[i + 8], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            t[2 * i + 1] =
                __builtin_shufflevector(r[i], r[i + 8], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        }
        for (int i = 0; i < 16; i++) r[i] = t[i];
    }
}

/* One row of `ldk` scores (a multiple of 16) becomes its unnormalised probabilities e^(s − max) in place; returns
   1 / Σ, or 0 (and a zero row) when the row sees no key at all, whose output is then zeros. */
FUSE_INLINE float fuse_attention_exponentiate_row(float *line, int64_t ldk) {
    lanes16 lane_max = load16(line);
    for (int64_t j = 16; j < ldk; j += 16) lane_max = __builtin_elementwise_max(lane_max, load16(line + j));
    const float row_max = tree_max16(lane_max);
    if (row_max == -INFINITY) {
        memset(line, 0, (size_t)ldk * sizeof(float));
        return 0;
    }
    lanes16 lane_sum = 0;
    for (int64_t j = 0; j < ldk; j += 16) {
        const lanes16 e = exp16(load16(line + j) - row_max);
        store16(line + j, e);
        lane_sum += e;
    }
    return 1.0f / tree_sum16(lane_sum);
}

/* Whether the path computes `problem` (no causal or band mask, head_dim a multiple of 16, at least one key). */
int fuse_attention_rows_applies(const fuse_attention_problem *problem);
size_t fuse_attention_rows_scratch_floats(const fuse_attention_problem *problem);
void fuse_attention_rows_run(const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs, float *scratch);

/* The same path with bf16 operands and fp32 sums (fuse_attention_rows_bf16.c), on CPUs with AVX512-BF16 only. */
int fuse_attention_rows_bf16_available(void);
size_t fuse_attention_rows_bf16_scratch_floats(const fuse_attention_problem *problem);
void fuse_attention_rows_bf16_run(const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs,
                                  float *scratch);

#endif
