#ifndef FUSE_CSNDFILE_SHIM_H
#define FUSE_CSNDFILE_SHIM_H
#include <sndfile.h>
#endif
