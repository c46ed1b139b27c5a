#ifndef FUSE_IMAGE_SHIMS_H
#define FUSE_IMAGE_SHIMS_H
/*
 * Thin C wrappers over libpng and libjpeg. Both libraries report fatal errors by longjmp-ing out of the
 * failing call; Swift frames must never be jumped over, so every libpng/libjpeg call happens inside these
 * C functions, each of which owns its own setjmp point and turns a jump into a -1 return plus a message.
 *
 * Decoding is two-phase so the caller can check the pixel count and allocate the output itself:
 * open → read_header (dimensions) → read_rgb (into a caller buffer of width*height*3 bytes) → close.
 */
#include <stddef.h>
#include <stdint.h>

#define FUSE_IMAGE_MESSAGE_LENGTH 200

/* ---- PNG ---- */
typedef struct fuse_png_reader fuse_png_reader;

/* Wraps `size` bytes at `data` (not copied; they must outlive the reader). NULL when out of memory. */
fuse_png_reader *fuse_png_open(const uint8_t *data, size_t size);
/* Reads the signature and header chunks. 0 on success, -1 on error (see fuse_png_message). */
int fuse_png_read_header(fuse_png_reader *reader, uint32_t *width, uint32_t *height,
                         int *color_type, int *bit_depth, int *interlaced);
/* Decodes every pixel to 8-bit RGB the way Pillow's convert("RGB") does. 0 on success, -1 on error. */
int fuse_png_read_rgb(fuse_png_reader *reader, uint8_t *rgb);
const char *fuse_png_message(const fuse_png_reader *reader);
void fuse_png_close(fuse_png_reader *reader);

/* ---- JPEG ---- */
typedef struct fuse_jpeg_reader fuse_jpeg_reader;

fuse_jpeg_reader *fuse_jpeg_open(const uint8_t *data, size_t size);
/* Reads the markers up to the first scan. `components` is 1, 3 or 4; `color_space` is libjpeg's J_COLOR_SPACE
 * of the file. 0 on success, -1 on error. */
int fuse_jpeg_read_header(fuse_jpeg_reader *reader, uint32_t *width, uint32_t *height,
                          int *components, int *color_space);
/* Decodes to 8-bit RGB as Pillow does (grey replicated; CMYK/YCCK read with Adobe's inverted polarity and
 * converted with Pillow's cmyk2rgb). 0 on success, -1 on error (including a truncated file). */
int fuse_jpeg_read_rgb(fuse_jpeg_reader *reader, uint8_t *rgb);
const char *fuse_jpeg_message(const fuse_jpeg_reader *reader);
void fuse_jpeg_close(fuse_jpeg_reader *reader);

#endif
