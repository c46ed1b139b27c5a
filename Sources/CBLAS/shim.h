#ifndef FUSE_CBLAS_SHIM_H
#define FUSE_CBLAS_SHIM_H
#include <cblas.h>
/* OpenBLAS extensions that control its thread pool. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
#endif
