/* OpenBLAS reads OPENBLAS_THREAD_TIMEOUT from the environment; Fuse wants its idle workers to sleep soon after each
   call (Kernels.configureBLASOnce). Setting an environment variable while other threads read the environment is a
   use-after-free in glibc (setenv may move `environ` under a reader: seen as a multi-terabyte allocation in a test
   run), so it is set here, while the program loads and no other thread exists yet; a value the user set stays. */
#include <stdlib.h>

__attribute__((constructor)) static void fuse_set_openblas_thread_timeout(void) {
    /* 2^4 cycles: the minimum OpenBLAS accepts. */
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
}
