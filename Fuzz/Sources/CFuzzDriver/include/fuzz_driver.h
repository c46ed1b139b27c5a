#ifndef FUSE_FUZZ_DRIVER_H
#define FUSE_FUZZ_DRIVER_H
/*
 * libFuzzer's entry point for programs that keep their own main (libFuzzer >= 11). SwiftPM links every Linux
 * executable with `main` aliased to `<Module>_main`, so libFuzzer's own main is never pulled in; each fuzz target
 * defines `<Module>_main` and hands control to the driver here.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
