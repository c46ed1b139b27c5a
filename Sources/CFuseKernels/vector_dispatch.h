/* Builds of one kernel for AVX-512, AVX2 + FMA and baseline x86-64, and the choice among them at run time, so an
   AVX2-only CPU never meets an AVX-512 instruction. A kernel is written once as an always-inline `NAME_body`;
   FUSE_VARIANTS(NAME, (params), (args)) compiles it three times and FUSE_DISPATCH(NAME, (args)) calls the widest
   build the CPU runs (fuse_vector_level, capped by fuse_vector_level_cap for tests). */
#ifndef FUSE_VECTOR_DISPATCH_H
#define FUSE_VECTOR_DISPATCH_H

#define FUSE_INLINE static inline __attribute__((always_inline))

int fuse_vector_level(void);

#if defined(__x86_64__)
#define FUSE_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma,avx2")))
#define FUSE_AVX2 __attribute__((target("avx2,fma")))

#define FUSE_VARIANTS(name, params, args)                                                                             \
    static void name##_baseline params { name##_body args; }                                                           \
    FUSE_AVX2 static void name##_avx2 params { name##_body args; }                                                     \
    FUSE_AVX512 static void name##_avx512 params { name##_body args; }

#define FUSE_DISPATCH(name, args)                                                                                     \
    switch (fuse_vector_level()) {                                                                                     \
    case 2: name##_avx512 args; break;                                                                                 \
    case 1: name##_avx2 args; break;                                                                                   \
    default: name##_baseline args; break;                                                                              \
    }
#else
#define FUSE_VARIANTS(name, params, args)
#define FUSE_DISPATCH(name, args) name##_body args;
#endif

#endif
