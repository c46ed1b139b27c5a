#ifndef FUSE_CPNG_SHIM_H
#define FUSE_CPNG_SHIM_H
#include <png.h>
#endif
