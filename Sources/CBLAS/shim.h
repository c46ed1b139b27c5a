#ifndef FUSE_CBLAS_SHIM_H
#define FUSE_CBLAS_SHIM_H
#include <cblas.h>
/* OpenBLAS extensions that control its thread pool. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
/* Re-read OPENBLAS_* environment variables, and stop the worker pool (restarted by the next call); used to apply
   OPENBLAS_THREAD_TIMEOUT after load (see Kernels.configureBLASOnce). */
void openblas_read_env(void);
int blas_thread_shutdown_(void);
#endif
