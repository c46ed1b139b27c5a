/* Fused scaled dot-product attention, fp32, flash-style (after FlashAttention's tiling and online softmax): for a block
   of QUERY_BLOCK query rows, keys are visited KEY_BLOCK at a time; each block's scores live in registers and a small
   tile, the running maximum and sum rescale the output accumulated so far, and the [queries × keys] score matrix never
   exists. Keys of a head are transposed once per (batch item, head) so scores vectorize across keys; values are read
   in place. Blocks of keys that masks hide entirely (causal, sliding window) are skipped. This is the kernel for
   causal, window and band masks; problems without them go to the exact-softmax kernel in fuse_attention_rows.c
   (fuse_attention_run chooses). */
#include "fuse_kernels.h"
#include "attention_rows.h"
#include "fast_math.h"
#include "vector_dispatch.h"

#include <math.h>
#include <string.h>

/* The 16-float vector helpers below are always inlined, so the vector ABI of builds without AVX-512 never applies. */
#pragma clang diagnostic ignored "-Wpsabi"

/* Keys are visited 64 at a time, or 32 or 16 when there are no more (short sentences would otherwise spend most of a
   64-key block on padding). */
enum { QUERY_BLOCK = 4, KEY_BLOCK = 64, VALUE_CHUNK = 32 };


/* Scratch floats one (batch item, head) needs: the transposed keys and their mask row (padded to whole key blocks),
   the score tile and the output accumulator. */
static int64_t key_block_for(int64_t key_length) { return key_length <= 16 ? 16 : key_length <= 32 ? 32 : KEY_BLOCK; }

static size_t scratch_floats(int64_t key_length, int64_t head_dim) {
    size_t padded = (size_t)((key_length + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK);
    return padded * (size_t)(head_dim + 1) + QUERY_BLOCK * KEY_BLOCK + QUERY_BLOCK * (size_t)head_dim + 64;
}

int fuse_attention_kernel(const fuse_attention_problem *problem) {
    return problem->kernel != FUSE_ATTENTION_FLASH && fuse_attention_rows_applies(problem) ? FUSE_ATTENTION_ROWS
                                                                                          : FUSE_ATTENTION_FLASH;
}

int fuse_attention_bf16_available(void) { return fuse_attention_rows_bf16_available(); }

int fuse_attention_runs_bf16(const fuse_attention_problem *problem) {
    return problem->bf16 && fuse_attention_kernel(problem) == FUSE_ATTENTION_ROWS &&
           fuse_attention_rows_bf16_available();
}

size_t fuse_attention_scratch_floats(const fuse_attention_problem *problem) {
    if (fuse_attention_runs_bf16(problem)) return fuse_attention_rows_bf16_scratch_floats(problem);
    return fuse_attention_kernel(problem) == FUSE_ATTENTION_ROWS
               ? fuse_attention_rows_scratch_floats(problem)
               : scratch_floats(problem->key_length, problem->head_dim);
}

/* One build of the kernel for key blocks of `kb` keys (a constant at each call, so loops over a block unroll). */
FUSE_INLINE void attention_blocks(const fuse_attention_problem *pr, int64_t first_pair, int64_t pairs, float *scratch,
                                  const int kb) {
    const int64_t d_head = pr->head_dim, lq = pr->query_length, lk = pr->key_length;
    const int64_t q_stride = pr->heads * d_head, kv_stride = pr->kv_heads * d_head;
    const int64_t group = pr->heads / pr->kv_heads, offset = lk - lq;
    const int64_t ldk = (lk + kb - 1) / kb * kb;
    float *kt = scratch;                        /* [d_head][ldk]: the head's keys, transposed */
    float *key_bias = kt + d_head * ldk;        /* [ldk]: 0 to attend, −∞ for padding and the padded tail */
    float *tile = key_bias + ldk;               /* [QUERY_BLOCK][kb]: scores, then probabilities */
    float *acc = tile + QUERY_BLOCK * kb; /* [QUERY_BLOCK][d_head]: unnormalised outputs */
    const float scale = pr->scale;

    for (int64_t pair = first_pair; pair < first_pair + pairs; pair++) {
        const int64_t b = pair / pr->heads, h = pair % pr->heads, kv_head = h / group;
        const float *q_base = pr->query + b * lq * q_stride + h * d_head;
        const float *k_base = pr->key + b * lk * kv_stride + kv_head * d_head;
        const float *v_base = pr->value + b * lk * kv_stride + kv_head * d_head;
        float *o_base = pr->output + b * lq * q_stride + h * d_head;

        for (int64_t j = 0; j < lk; j++) {
            const float *k_row = k_base + j * kv_stride;
            for (int64_t d = 0; d < d_head; d++) kt[d * ldk + j] = k_row[d];
        }
        for (int64_t d = 0; d < d_head; d++)
            for (int64_t j = lk; j < ldk; j++) kt[d * ldk + j] = 0;
        const int32_t *mask = pr->key_mask ? pr->key_mask + b * lk : NULL;
        for (int64_t j = 0; j < ldk; j++) key_bias[j] = (j >= lk || (mask && mask[j] == 0)) ? -INFINITY : 0.0f;

        for (int64_t i0 = 0; i0 < lq; i0 += QUERY_BLOCK) {
            const int64_t rows = lq - i0 < QUERY_BLOCK ? lq - i0 : QUERY_BLOCK;
            float running_max[QUERY_BLOCK], running_sum[QUERY_BLOCK];
            for (int r = 0; r < QUERY_BLOCK; r++) { running_max[r] = -INFINITY; running_sum[r] = 0; }
            memset(acc, 0, sizeof(float) * QUERY_BLOCK * (size_t)d_head);

            /* The keys any row of this block may see. */
            int64_t key_end = lk, key_begin = 0;
            if (pr->causal) {
                int64_t last = i0 + rows - 1 + offset;
                key_end = last + 1 < lk ? last + 1 : lk;
                if (pr->window > 0) {
                    int64_t earliest = i0 + offset - pr->window + 1;
                    key_begin = earliest > 0 ? earliest : 0;
                }
            }
            if (!pr->causal && pr->band >= 0) {
                key_begin = i0 - pr->band > 0 ? i0 - pr->band : 0;
                const int64_t last = i0 + rows - 1 + pr->band;
                key_end = last + 1 < lk ? last + 1 : lk;
            }
            if (key_end < 0) key_end = 0;
            for (int64_t j0 = key_begin / kb * kb; j0 < key_end; j0 += kb) {
                /* Scores for the whole 4 × kb tile at once, in registers: each key value loaded feeds four
                   multiply-adds (rows past the last query repeat row 0 and are cleared below). */
                {
                    const float *q0 = q_base + i0 * q_stride;
                    const float *q1 = q_base + (i0 + (rows > 1 ? 1 : 0)) * q_stride;
                    const float *q2 = q_base + (i0 + (rows > 2 ? 2 : 0)) * q_stride;
                    const float *q3 = q_base + (i0 + (rows > 3 ? 3 : 0)) * q_stride;
                    float t0[KEY_BLOCK], t1[KEY_BLOCK], t2[KEY_BLOCK], t3[KEY_BLOCK];
                    for (int jj = 0; jj < kb; jj++) { t0[jj] = 0; t1[jj] = 0; t2[jj] = 0; t3[jj] = 0; }
                    for (int64_t d = 0; d < d_head; d++) {
                        const float a0 = q0[d] * scale, a1 = q1[d] * scale, a2 = q2[d] * scale, a3 = q3[d] * scale;
                        const float *k_line = kt + d * ldk + j0;
                        for (int jj = 0; jj < kb; jj++) {
                            const float k = k_line[jj];
                            t0[jj] += a0 * k;
                            t1[jj] += a1 * k;
                            t2[jj] += a2 * k;
                            t3[jj] += a3 * k;
                        }
                    }
                    for (int jj = 0; jj < kb; jj++) {
                        const float bias = key_bias[j0 + jj];
                        tile[jj] = t0[jj] + bias;
                        tile[kb + jj] = t1[jj] + bias;
                        tile[2 * kb + jj] = t2[jj] + bias;
                        tile[3 * kb + jj] = t3[jj] + bias;
                    }
                    for (int r = (int)rows; r < QUERY_BLOCK; r++)
                        for (int jj = 0; jj < kb; jj++) tile[r * kb + jj] = 0;
                }
                /* Causal, window and band masks, per row. */
                if (!pr->causal && pr->band >= 0) {
                    for (int r = 0; r < rows; r++) {
                        const int64_t i = i0 + r;
                        for (int jj = 0; jj < kb; jj++) {
                            const int64_t j = j0 + jj;
                            if (j < i - pr->band || j > i + pr->band) tile[r * kb + jj] = -INFINITY;
                        }
                    }
                }
                if (pr->causal) {
                    for (int r = 0; r < rows; r++) {
                        const int64_t last = i0 + r + offset;
                        const int64_t earliest = pr->window > 0 ? last - pr->window + 1 : 0;
                        for (int jj = 0; jj < kb; jj++) {
                            const int64_t j = j0 + jj;
                            if (j > last || j < earliest) tile[r * kb + jj] = -INFINITY;
                        }
                    }
                }
                /* Online softmax: rescale what came before to the new maximum, add this block's probabilities. */
                for (int r = 0; r < rows; r++) {
                    float *line = tile + r * kb;
                    /* Reductions in explicit 16-float vectors: they vectorize without reordering float additions
                       behind the compiler's back. */
                    lanes16 lane_max = load16(line);
                    for (int jj = 16; jj < kb; jj += 16) lane_max = __builtin_elementwise_max(lane_max, load16(line + jj));
                    const float block_max = max16(lane_max);
                    if (block_max == -INFINITY) {
                        for (int jj = 0; jj < kb; jj++) line[jj] = 0;
                        continue;
                    }
                    const float new_max = fmaxf(running_max[r], block_max);
                    const float correction = fuse_exp(running_max[r] - new_max);
                    for (int jj = 0; jj < kb; jj++) line[jj] = fuse_exp(line[jj] - new_max);
                    lanes16 lane_sum = load16(line);
                    for (int jj = 16; jj < kb; jj += 16) lane_sum += load16(line + jj);
                    const float sum = sum16(lane_sum);
                    running_sum[r] = running_sum[r] * correction + sum;
                    running_max[r] = new_max;
                    if (correction != 1.0f) {
                        float *a = acc + r * d_head;
                        for (int64_t d = 0; d < d_head; d++) a[d] *= correction;
                    }
                }
                /* acc += P · V over this block's keys: all four rows at once, a chunk of the head dimension at a
                   time in registers, so each value row loaded feeds four multiply-adds. */
                const int64_t visible = key_end - j0 < kb ? key_end - j0 : kb;
                int64_t d0 = 0;
                for (; d0 + VALUE_CHUNK <= d_head; d0 += VALUE_CHUNK) {
                    float c0[VALUE_CHUNK], c1[VALUE_CHUNK], c2[VALUE_CHUNK], c3[VALUE_CHUNK];
                    for (int t = 0; t < VALUE_CHUNK; t++) {
                        c0[t] = acc[d0 + t];
                        c1[t] = acc[d_head + d0 + t];
                        c2[t] = acc[2 * d_head + d0 + t];
                        c3[t] = acc[3 * d_head + d0 + t];
                    }
                    for (int64_t jj = 0; jj < visible; jj++) {
                        const float p0 = tile[jj], p1 = tile[kb + jj], p2 = tile[2 * kb + jj], p3 = tile[3 * kb + jj];
                        const float *v_row = v_base + (j0 + jj) * kv_stride + d0;
                        for (int t = 0; t < VALUE_CHUNK; t++) {
                            const float v = v_row[t];
                            c0[t] += p0 * v;
                            c1[t] += p1 * v;
                            c2[t] += p2 * v;
                            c3[t] += p3 * v;
                        }
                    }
                    for (int t = 0; t < VALUE_CHUNK; t++) {
                        acc[d0 + t] = c0[t];
                        acc[d_head + d0 + t] = c1[t];
                        acc[2 * d_head + d0 + t] = c2[t];
                        acc[3 * d_head + d0 + t] = c3[t];
                    }
                }
                for (; d0 < d_head; d0++) {
                    for (int r = 0; r < QUERY_BLOCK; r++) {
                        float sum = acc[r * d_head + d0];
                        for (int64_t jj = 0; jj < visible; jj++)
                            sum += tile[r * kb + jj] * v_base[(j0 + jj) * kv_stride + d0];
                        acc[r * d_head + d0] = sum;
                    }
                }
            }
            for (int r = 0; r < rows; r++) {
                float *o_row = o_base + (i0 + r) * q_stride;
                const float *a = acc + r * d_head;
                if (running_sum[r] > 0) {
                    const float inverse = 1.0f / running_sum[r];
                    for (int64_t d = 0; d < d_head; d++) o_row[d] = a[d] * inverse;
                } else {
                    for (int64_t d = 0; d < d_head; d++) o_row[d] = 0;
                }
            }
        }
    }
}

FUSE_INLINE void attention_body(const fuse_attention_problem *pr, int64_t first_pair, int64_t pairs, float *scratch) {
    switch (key_block_for(pr->key_length)) {
    case 16: attention_blocks(pr, first_pair, pairs, scratch, 16); break;
    case 32: attention_blocks(pr, first_pair, pairs, scratch, 32); break;
    default: attention_blocks(pr, first_pair, pairs, scratch, KEY_BLOCK); break;
    }
}

#define ATTENTION_PARAMS (const fuse_attention_problem *problem, int64_t first_pair, int64_t pairs, float *scratch)
#define ATTENTION_ARGS (problem, first_pair, pairs, scratch)
FUSE_VARIANTS(attention, ATTENTION_PARAMS, ATTENTION_ARGS)

void fuse_attention_run ATTENTION_PARAMS {
    if (fuse_attention_runs_bf16(problem)) {
        fuse_attention_rows_bf16_run(problem, first_pair, pairs, scratch);
        return;
    }
    if (fuse_attention_kernel(problem) == FUSE_ATTENTION_ROWS) {
        fuse_attention_rows_run(problem, first_pair, pairs, scratch);
        return;
    }
    FUSE_DISPATCH(attention, ATTENTION_ARGS)
}
