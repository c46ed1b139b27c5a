#ifndef FUSE_CJPEG_SHIM_H
#define FUSE_CJPEG_SHIM_H
#include <turbojpeg.h>
#endif
