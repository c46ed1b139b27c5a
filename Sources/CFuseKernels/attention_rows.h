/* The exact-softmax attention path for problems without causal or band masks (fuse_attention_rows.c), which
   fuse_attention_run picks over the flash-style kernel when it applies. Private to CFuseKernels. */
#ifndef FUSE_ATTENTION_ROWS_H
#define FUSE_ATTENTION_ROWS_H

#include "fuse_kernels.h"

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
