#ifndef FUSE_CKISSFFT_SHIM_H
#define FUSE_CKISSFFT_SHIM_H
/* SwiftPM drops pkg-config -D flags, so the scalar type is fixed here, before the headers. */
#define kiss_fft_scalar float
#include <kiss_fft.h>
#include <kiss_fftr.h>
#endif
