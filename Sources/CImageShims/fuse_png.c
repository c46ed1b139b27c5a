/* libpng decoding to Pillow-equivalent RGB, with libpng's longjmp error path contained in C. */
#include "fuse_image_shims.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuse_png_reader {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t position;
    /* Heap buffers live here, not in locals, so a longjmp cannot leak them; fuse_png_close frees them. */
    png_bytep *rows;
    uint8_t *wide;
    char message[FUSE_IMAGE_MESSAGE_LENGTH];
};

static void fuse_png_on_error(png_structp png, png_const_charp text) {
    fuse_png_reader *reader = (fuse_png_reader *)png_get_error_ptr(png);
    snprintf(reader->message, sizeof reader->message, "%s", text ? text : "libpng error");
    png_longjmp(png, 1);
}

static void fuse_png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text; /* Pillow ignores benign problems (unknown chunks, ancillary CRCs); so do we. */
}

static void fuse_png_read_bytes(png_structp png, png_bytep out, size_t count) {
    fuse_png_reader *reader = (fuse_png_reader *)png_get_io_ptr(png);
    if (count > reader->size - reader->position) {
        png_error(png, "file is truncated (unexpected end of data)");
    }
    memcpy(out, reader->data + reader->position, count);
    reader->position += count;
}

fuse_png_reader *fuse_png_open(const uint8_t *data, size_t size) {
    fuse_png_reader *reader = calloc(1, sizeof *reader);
    if (!reader) return NULL;
    reader->data = data;
    reader->size = size;
    reader->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, fuse_png_on_error, fuse_png_on_warning);
    if (!reader->png) {
        free(reader);
        return NULL;
    }
    reader->info = png_create_info_struct(reader->png);
    if (!reader->info) {
        png_destroy_read_struct(&reader->png, NULL, NULL);
        free(reader);
        return NULL;
    }
    png_set_read_fn(reader->png, reader, fuse_png_read_bytes);
    return reader;
}

int fuse_png_read_header(fuse_png_reader *reader, uint32_t *width, uint32_t *height,
                         int *color_type, int *bit_depth, int *interlaced) {
    if (reader->size < 8 || png_sig_cmp(reader->data, 0, 8) != 0) {
        snprintf(reader->message, sizeof reader->message, "not a PNG file (bad signature)");
        return -1;
    }
    if (setjmp(png_jmpbuf(reader->png))) return -1;
    png_read_info(reader->png, reader->info);
    *width = png_get_image_width(reader->png, reader->info);
    *height = png_get_image_height(reader->png, reader->info);
    *color_type = png_get_color_type(reader->png, reader->info);
    *bit_depth = png_get_bit_depth(reader->png, reader->info);
    *interlaced = png_get_interlace_type(reader->png, reader->info) != PNG_INTERLACE_NONE;
    return 0;
}

int fuse_png_read_rgb(fuse_png_reader *reader, uint8_t *rgb) {
    png_structp png = reader->png;
    png_infop info = reader->info;
    if (setjmp(png_jmpbuf(png))) return -1;

    const png_uint_32 width = png_get_image_width(png, info);
    const png_uint_32 height = png_get_image_height(png, info);
    const int color_type = png_get_color_type(png, info);
    const int bit_depth = png_get_bit_depth(png, info);
    /* Pillow opens 16-bit grey as mode I;16 and converts it to RGB by clipping at 255, not by taking the
     * high byte as it does for every other 16-bit type. */
    const int grey16 = color_type == PNG_COLOR_TYPE_GRAY && bit_depth == 16;

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16 && !grey16) png_set_strip_16(png); /* drops the low byte, as Pillow's ;16B modes do */
    /* Pillow's convert("RGB") drops alpha (and palette transparency) without compositing. */
    if ((color_type & PNG_COLOR_MASK_ALPHA) || color_type == PNG_COLOR_TYPE_PALETTE) png_set_strip_alpha(png);
    if ((color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) && !grey16) {
        png_set_gray_to_rgb(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const size_t rowbytes = png_get_rowbytes(png, info);
    const size_t expected = grey16 ? (size_t)width * 2 : (size_t)width * 3;
    if (rowbytes != expected) {
        snprintf(reader->message, sizeof reader->message,
                 "unexpected row size %zu after conversion (expected %zu)", rowbytes, expected);
        return -1;
    }
    reader->rows = malloc(sizeof(png_bytep) * height);
    if (!reader->rows) {
        snprintf(reader->message, sizeof reader->message, "out of memory");
        return -1;
    }
    uint8_t *target = rgb;
    if (grey16) {
        reader->wide = malloc(rowbytes * height);
        if (!reader->wide) {
            snprintf(reader->message, sizeof reader->message, "out of memory");
            return -1;
        }
        target = reader->wide;
    }
    for (png_uint_32 y = 0; y < height; y++) reader->rows[y] = target + (size_t)y * rowbytes;
    png_read_image(png, reader->rows);

    if (grey16) {
        const size_t count = (size_t)width * height;
        const uint8_t *in = reader->wide;
        for (size_t i = 0; i < count; i++) {
            const unsigned value = ((unsigned)in[2 * i] << 8) | in[2 * i + 1]; /* PNG samples are big-endian */
            const uint8_t clipped = value > 255 ? 255 : (uint8_t)value;
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = clipped;
        }
    }
    return 0;
}

const char *fuse_png_message(const fuse_png_reader *reader) { return reader->message; }

void fuse_png_close(fuse_png_reader *reader) {
    if (!reader) return;
    png_destroy_read_struct(&reader->png, &reader->info, NULL);
    free(reader->rows);
    free(reader->wide);
    free(reader);
}
