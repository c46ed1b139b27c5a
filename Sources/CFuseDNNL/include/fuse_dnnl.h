#ifndef FUSE_DNNL_H
#define FUSE_DNNL_H
/* A thin C layer over oneDNN's matmul for Fuse's reduced-precision linear layers: weights are prepared once
   (reordered into the layout the CPU's fastest kernel wants), and each call runs a primitive for its row count,
   kept in a small per-layer cache. Errors come back as messages, never as aborts. */
#include <stddef.h>
#include <stdint.h>

#include "fuse_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a prepared matmul computes, y[m, n] = sum_k x[m, k] * w[n, k]. */
typedef enum {
    FUSE_DNNL_U8S8S32 = 0,  /* x u8, w s8, y s32 (dynamic int8: scales and zero points are the caller's) */
    FUSE_DNNL_BF16F32 = 1,  /* x f32 converted to bf16 here, w bf16, y f32 */
} fuse_dnnl_kind;

typedef struct fuse_dnnl_matmul fuse_dnnl_matmul;

/* Prepares w [n, k] row-major (int8_t for U8S8S32, uint16_t bf16 bits for BF16F32). NULL on failure, with a message. */
fuse_dnnl_matmul *fuse_dnnl_matmul_create(fuse_dnnl_kind kind, int64_t n, int64_t k, const void *weights,
                                          char *error, size_t error_size);
/* An int8 layer's quantization constants: each output channel's weight scale and the sum of its quantized weights
   (for the inputs' zero points), and the largest quantized input value. Layers with outlier input channels (computed
   in f32 beside the GEMM) also give `channel_mask` (k floats: 1 ordinary, 0 outlier), the `outlier_count` channel
   indices and their f32 weights `[outlier_count, n]`; the prepared s8 weights hold zeros in those columns. */
typedef struct {
    const float *weight_scales;
    const int32_t *weight_sums;
    float input_levels;
    const float *channel_mask;
    int32_t outlier_count;
    const int32_t *outlier_channels;
    const float *outlier_weights;
} fuse_dnnl_int8_scales;
/* A whole reduced-precision linear layer, y = x · wᵀ + bias for m rows of f32 x [m, k]: int8 layers quantize each
   row dynamically (`scales` required), bf16 layers convert x to bf16; accumulation is s32 or f32. The n output columns
   go to `parts` buffers of n / parts columns each (q, k and v of a fused projection), row-major. bias may be NULL;
   `activation` (FUSE_ACTIVATION_*) follows the bias in the same pass. Scratch memory is the calling thread's, reused
   between calls. 0 on success. */
int fuse_dnnl_linear_run(fuse_dnnl_matmul *matmul, int64_t m, const float *x, const fuse_dnnl_int8_scales *scales,
                         const float *bias, int activation, int parts, float *const *outputs, char *error,
                         size_t error_size);
/* The oneDNN implementation the last run used (e.g. "brg:avx512_core_vnni"). */
const char *fuse_dnnl_matmul_implementation(fuse_dnnl_matmul *matmul);
void fuse_dnnl_matmul_destroy(fuse_dnnl_matmul *matmul);

/* How many threads oneDNN calls made from the calling thread may use (OpenMP's per-thread setting): 1 inside code that
   already spreads independent work over the cores. 0 on success, -1 when oneDNN's runtime offers no such control. */
int fuse_dnnl_set_calling_thread_count(int threads);
/* That setting for the calling thread, or -1 when oneDNN's runtime offers no such control. */
int fuse_dnnl_calling_thread_count(void);

/* oneDNN's effective ISA (dnnl_cpu_isa_t) and its name. */
int fuse_dnnl_isa(void);
const char *fuse_dnnl_isa_name(void);
/* Caps the ISA oneDNN may use (for tests of the AVX2 path on a newer CPU); must precede any other call. 0 on success. */
int fuse_dnnl_limit_isa_to_avx2(void);

#ifdef __cplusplus
}
#endif
#endif
