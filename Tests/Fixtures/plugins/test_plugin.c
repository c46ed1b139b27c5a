/*
 * A configurable plugin for FusePluginLoaderTests: compiled by the tests with `cc -shared -fPIC -D<BREAK>` into one
 * healthy library and one deliberately broken library per way a third-party plugin can be wrong.
 *
 * Healthy behaviour: decodes a file of N bytes into features [N, 2] with row i = (byte i, i), or with -DIDS_MODE into
 * ids [N] equal to the bytes. An empty file is an error reported through last_error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_plugin.h"

static _Thread_local char message[256];

#ifndef PLUGIN_ID
#define PLUGIN_ID "test-bytes"
#endif
#ifndef PLUGIN_EXT
#define PLUGIN_EXT "tbytes"
#endif

static int32_t decode(void *context, const char *path, fuse_plugin_result *result) {
    (void)context;
#ifdef BREAK_DECODE_ERROR
    snprintf(message, sizeof message, "cannot parse %s: unsupported dialect", strrchr(path, '/') + 1);
    return 7;
#endif
    FILE *file = fopen(path, "rb");
    if (!file) { snprintf(message, sizeof message, "cannot open"); return FUSE_PLUGIN_ERROR; }
    unsigned char bytes[4096];
    size_t n = fread(bytes, 1, sizeof bytes, file);
    fclose(file);
    if (n == 0) { snprintf(message, sizeof message, "empty file"); return FUSE_PLUGIN_ERROR; }
#ifdef IDS_MODE
    int32_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++) ids[i] = bytes[i];
#ifdef BREAK_NEGATIVE_ID
    ids[n - 1] = -5;
#endif
    result->kind = FUSE_PLUGIN_IDS;
    result->rows = (int64_t)n;
    result->columns = 1;
    result->count = (int64_t)n;
    result->ids = ids;
    result->plugin_data = ids;
#else
    float *values = malloc(n * 2 * sizeof *values);
    for (size_t i = 0; i < n; i++) { values[2 * i] = bytes[i]; values[2 * i + 1] = (float)i; }
#ifdef BREAK_NAN
    values[3] = __builtin_nanf("");
#endif
    result->kind = FUSE_PLUGIN_FEATURES;
    result->rows = (int64_t)n;
    result->columns = 2;
    result->count = (int64_t)n * 2;
    result->features = values;
    result->plugin_data = values;
#endif
#ifdef BREAK_COUNT_MISMATCH
    result->count += 1;
#endif
#ifdef BREAK_NEGATIVE_ROWS
    result->rows = -3;
#endif
#ifdef BREAK_OVERFLOW_SHAPE
    result->rows = (int64_t)1 << 40;
    result->columns = (int64_t)1 << 40;
#endif
#ifdef BREAK_NULL_DATA
    result->features = NULL;
#endif
#ifdef BREAK_KIND
    result->kind = 9;
#endif
    return FUSE_PLUGIN_OK;
}

/* Counts frees so a test can check every successful decode is released exactly once. */
static int free_count;
int test_plugin_free_count(void) { return free_count; }

static void free_result(void *context, fuse_plugin_result *result) {
    (void)context;
    free(result->plugin_data);
    result->plugin_data = NULL;
    __atomic_add_fetch(&free_count, 1, __ATOMIC_SEQ_CST);
}

static const char *last_error(void *context) { (void)context; return message[0] ? message : NULL; }

static const char *const extensions[] = {PLUGIN_EXT};
static const char *const mime_types[] = {"application/x-test-bytes"};
static const uint8_t magic[] = {'T', 'B', 'Y', 'T'};
static const fuse_plugin_signature signatures[] = {
#ifdef BREAK_SIGNATURE_RANGE
    {.offset = 62, .length = 4, .bytes = magic},
#else
    {.offset = 0, .length = 4, .bytes = magic},
#endif
};

static const fuse_plugin_descriptor descriptor = {
#ifdef BREAK_ABI_VERSION
    .abi_version = FUSE_PLUGIN_ABI_VERSION + 1,
#else
    .abi_version = FUSE_PLUGIN_ABI_VERSION,
#endif
#ifdef BREAK_SHORT_SIZE
    .descriptor_size = 16,
#else
    .descriptor_size = sizeof(fuse_plugin_descriptor),
#endif
#ifdef BREAK_BAD_ID
    .id = "has spaces/and slash",
#else
    .id = PLUGIN_ID,
#endif
#ifdef IDS_MODE
    .modality = "bytes",
#else
    .modality = "byte-features",
#endif
#ifdef BREAK_NULL_EXTENSIONS
    .extensions = NULL,
#else
    .extensions = extensions,
#endif
    .extension_count = 1,
    .mime_types = mime_types,
    .mime_type_count = 1,
    .signatures = signatures,
    .signature_count = 1,
    .decode = decode,
#ifdef BREAK_NULL_FREE
    .free_result = NULL,
#else
    .free_result = free_result,
#endif
    .last_error = last_error,
};

#ifndef BREAK_NO_ENTRY
const fuse_plugin_descriptor *fuse_plugin_entry(void) {
#ifdef BREAK_NULL_DESCRIPTOR
    return NULL;
#else
    return &descriptor;
#endif
}
#else
/* Exports something else, as a library built for another host program would. */
const fuse_plugin_descriptor *other_entry(void) { return &descriptor; }
#endif
