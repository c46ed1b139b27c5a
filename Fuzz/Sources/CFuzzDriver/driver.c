/* Declarations only: the driver lives in libclang_rt.fuzzer, linked by -sanitize=fuzzer. */
