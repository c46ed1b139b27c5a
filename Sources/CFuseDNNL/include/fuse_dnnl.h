#ifndef FUSE_DNNL_H
#define FUSE_DNNL_H
/* A thin C layer over oneDNN's matmul for Fuse's reduced-precision linear layers: weights are prepared once
   (reordered into the layout the CPU's fastest kernel wants), and each call runs a primitive for its row count,
   kept in a small per-layer cache. Errors come back as messages, never as aborts. */
#include <stddef.h>
#include <stdint.h>

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
/* y = x · wᵀ for m rows; x [m, k] (uint8_t, or float for BF16F32), y [m, n] (int32_t or float). 0 on success. */
int fuse_dnnl_matmul_run(fuse_dnnl_matmul *matmul, int64_t m, const void *x, void *y, char *error, size_t error_size);
/* The oneDNN implementation the last run used (e.g. "brg:avx512_core_vnni"). */
const char *fuse_dnnl_matmul_implementation(fuse_dnnl_matmul *matmul);
void fuse_dnnl_matmul_destroy(fuse_dnnl_matmul *matmul);

/* oneDNN's effective ISA (dnnl_cpu_isa_t) and its name. */
int fuse_dnnl_isa(void);
const char *fuse_dnnl_isa_name(void);
/* Caps the ISA oneDNN may use (for tests of the AVX2 path on a newer CPU); must precede any other call. 0 on success. */
int fuse_dnnl_limit_isa_to_avx2(void);

#ifdef __cplusplus
}
#endif
#endif
