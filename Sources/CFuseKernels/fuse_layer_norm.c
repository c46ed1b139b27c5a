/* A transformer block's residual sum and the LayerNorm after it in one pass over each row: x ← x + delta, then
   normed ← (x − mean) / √(var + ε) · weight + bias. Fuse's Swift LayerNorm keeps strict float ordering (a scalar
   dependency chain per reduction) and the residual add is a pass of its own; here a row is read once from memory and
   its reductions run in 16 independent lanes. Built per ISA like the other kernels (vector_dispatch.h). */
#include "fuse_kernels.h"
#include "lanes16.h"
#include "vector_dispatch.h"

#include <math.h>
#include <string.h>

#pragma clang diagnostic ignored "-Wpsabi"


FUSE_INLINE void residual_layer_norm_body(
    float *x, const float *delta, float *normed, int64_t rows, int64_t columns, const float *weight, const float *bias,
    float epsilon) {
    if (columns <= 0) return;
    const int64_t whole = columns / 16 * 16;
    const float inverse_count = 1.0f / (float)columns;
    for (int64_t r = 0; r < rows; r++) {
        float *line = x + r * columns;
        float *out = normed + r * columns;
        /* The residual sum, and the sum of deviations from the row's first element: for a row with a large common
           offset the differences are exact and small, so the mean keeps its precision (as the Swift LayerNorm). */
        if (delta) {
            const float *add = delta + r * columns;
            for (int64_t c = 0; c < columns; c++) line[c] += add[c];
        }
        const float shift = line[0];
        lanes16 lanes = 0;
        int64_t c = 0;
        for (; c < whole; c += 16) lanes += load16(line + c) - shift;
        float shifted_sum = sum16(lanes);
        for (; c < columns; c++) shifted_sum += line[c] - shift;
        const float shifted_mean = shifted_sum * inverse_count;
        /* Squared deviations in a second pass (E[x²] − E[x]² would cancel for the same rows). */
        lanes = 0;
        for (c = 0; c < whole; c += 16) {
            lanes16 deviation = (load16(line + c) - shift) - shifted_mean;
            lanes += deviation * deviation;
        }
        float squares = sum16(lanes);
        for (; c < columns; c++) {
            const float deviation = (line[c] - shift) - shifted_mean;
            squares += deviation * deviation;
        }
        const float inverse_std = 1.0f / sqrtf(squares * inverse_count + epsilon);
        for (c = 0; c < whole; c += 16) {
            lanes16 value = ((load16(line + c) - shift) - shifted_mean) * inverse_std;
            if (weight) value *= load16(weight + c);
            if (bias) value += load16(bias + c);
            store16(out + c, value);
        }
        for (; c < columns; c++) {
            float value = ((line[c] - shift) - shifted_mean) * inverse_std;
            if (weight) value *= weight[c];
            if (bias) value += bias[c];
            out[c] = value;
        }
    }
}

#define RESIDUAL_NORM_PARAMS (float *x, const float *delta, float *normed, int64_t rows, int64_t columns, \
                              const float *weight, const float *bias, float epsilon)
#define RESIDUAL_NORM_ARGS (x, delta, normed, rows, columns, weight, bias, epsilon)
FUSE_VARIANTS(residual_layer_norm, RESIDUAL_NORM_PARAMS, RESIDUAL_NORM_ARGS)

void fuse_residual_layer_norm RESIDUAL_NORM_PARAMS { FUSE_DISPATCH(residual_layer_norm, RESIDUAL_NORM_ARGS) }
