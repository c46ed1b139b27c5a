#include "fuse_kernels.h"
#include "vector_dispatch.h"

static int level_cap = 2;

/* 2 = AVX-512 (F, BW, DQ, VL), 1 = AVX2 + FMA, 0 = baseline; the CPU is read once, the cap applies at every call. */
int fuse_vector_level(void) {
#if defined(__x86_64__)
    static int level = -1;
    int cap = __atomic_load_n(&level_cap, __ATOMIC_RELAXED);
    int seen = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (seen < 0) {
        __builtin_cpu_init();
        seen = 0;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) seen = 1;
        if (seen && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
            seen = 2;
        __atomic_store_n(&level, seen, __ATOMIC_RELAXED);
    }
    return seen < cap ? seen : cap;
#else
    return 0;
#endif
}

void fuse_vector_level_cap(int cap) { __atomic_store_n(&level_cap, cap < 0 ? 0 : cap, __ATOMIC_RELAXED); }
