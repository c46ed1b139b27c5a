/* libjpeg(-turbo) decoding to Pillow-equivalent RGB, with libjpeg's longjmp error path contained in C. */
#include "fuse_image_shims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

struct fuse_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
};

struct fuse_jpeg_reader {
    struct jpeg_decompress_struct cinfo;
    struct fuse_jpeg_error error;
    const uint8_t *data;
    size_t size;
    int created;
    uint8_t *row;
    char message[FUSE_IMAGE_MESSAGE_LENGTH];
};

static void fuse_jpeg_on_error(j_common_ptr cinfo) {
    struct fuse_jpeg_error *error = (struct fuse_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(error->message, FUSE_IMAGE_MESSAGE_LENGTH, "%s", text);
    longjmp(error->jump, 1);
}

/* libjpeg reports running out of data as a warning and pads the image with grey; Pillow refuses such a file
 * ("image file is truncated"), so that one warning is fatal here. Other warnings (e.g. extraneous bytes
 * before a marker) are ignored, as Pillow ignores them. */
static void fuse_jpeg_on_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        struct fuse_jpeg_error *error = (struct fuse_jpeg_error *)cinfo->err;
        snprintf(error->message, FUSE_IMAGE_MESSAGE_LENGTH, "file is truncated (premature end of JPEG data)");
        longjmp(error->jump, 1);
    }
    if (level < 0) cinfo->err->num_warnings++;
}

fuse_jpeg_reader *fuse_jpeg_open(const uint8_t *data, size_t size) {
    fuse_jpeg_reader *reader = calloc(1, sizeof *reader);
    if (!reader) return NULL;
    reader->data = data;
    reader->size = size;
    reader->cinfo.err = jpeg_std_error(&reader->error.manager);
    reader->error.manager.error_exit = fuse_jpeg_on_error;
    reader->error.manager.emit_message = fuse_jpeg_on_message;
    reader->error.message = reader->message;
    return reader;
}

int fuse_jpeg_read_header(fuse_jpeg_reader *reader, uint32_t *width, uint32_t *height,
                          int *components, int *color_space) {
    struct jpeg_decompress_struct *cinfo = &reader->cinfo;
    if (setjmp(reader->error.jump)) return -1;
    jpeg_create_decompress(cinfo);
    reader->created = 1;
    jpeg_mem_src(cinfo, (unsigned char *)reader->data, (unsigned long)reader->size);
    jpeg_read_header(cinfo, TRUE);
    *width = cinfo->image_width;
    *height = cinfo->image_height;
    *components = cinfo->num_components;
    *color_space = (int)cinfo->jpeg_color_space;
    return 0;
}

/* Pillow's MULDIV255: a * b / 255 rounded, without a division. */
static inline unsigned fuse_muldiv255(unsigned a, unsigned b) {
    const unsigned t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

int fuse_jpeg_read_rgb(fuse_jpeg_reader *reader, uint8_t *rgb) {
    struct jpeg_decompress_struct *cinfo = &reader->cinfo;
    if (setjmp(reader->error.jump)) return -1;
    const int cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo->dct_method = JDCT_ISLOW;  /* Pillow's default */
    cinfo->do_fancy_upsampling = TRUE;
    jpeg_start_decompress(cinfo);

    const size_t width = cinfo->output_width;
    if (cinfo->output_width != cinfo->image_width || cinfo->output_height != cinfo->image_height ||
        cinfo->output_components != (cmyk ? 4 : 3)) {
        snprintf(reader->message, sizeof reader->message, "unsupported JPEG layout (%d components, colour space %d)",
                 cinfo->num_components, (int)cinfo->jpeg_color_space);
        return -1;
    }
    if (!cmyk) {
        while (cinfo->output_scanline < cinfo->output_height) {
            JSAMPROW rows[16];
            const JDIMENSION first = cinfo->output_scanline;
            JDIMENSION count = cinfo->output_height - first;
            if (count > 16) count = 16;
            for (JDIMENSION i = 0; i < count; i++) rows[i] = rgb + (size_t)(first + i) * width * 3;
            jpeg_read_scanlines(cinfo, rows, count);
        }
        return 0;
    }
    reader->row = malloc(width * 4);
    if (!reader->row) {
        snprintf(reader->message, sizeof reader->message, "out of memory");
        return -1;
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *out = rgb + (size_t)cinfo->output_scanline * width * 3;
        JSAMPROW row = reader->row;
        jpeg_read_scanlines(cinfo, &row, 1);
        for (size_t x = 0; x < width; x++) {
            /* Pillow reads CMYK JPEGs with Adobe's inverted polarity (CMYK;I), then cmyk2rgb:
             * channel = (255 - k) - (255 - k) * c / 255, where the inverted k is the stored byte. */
            const unsigned nk = row[4 * x + 3];
            for (int c = 0; c < 3; c++) {
                const unsigned ink = 255u - row[4 * x + c];
                out[3 * x + c] = (uint8_t)(nk - fuse_muldiv255(ink, nk));
            }
        }
    }
    return 0;
}

const char *fuse_jpeg_message(const fuse_jpeg_reader *reader) { return reader->message; }

void fuse_jpeg_close(fuse_jpeg_reader *reader) {
    if (!reader) return;
    if (reader->created) jpeg_destroy_decompress(&reader->cinfo);
    free(reader->row);
    free(reader);
}
