/*
 * fuse_plugin.h — the versioned C ABI for Fuse modality plugins loaded at run time.
 *
 * A plugin is a shared library exporting one symbol, FUSE_PLUGIN_ENTRY_SYMBOL ("fuse_plugin_entry"), that
 * returns a pointer to a descriptor living for the life of the process. Fuse reads the descriptor, checks the ABI
 * version and every pointer, copies the claims, and calls `decode` for each file the plugin is chosen for.
 *
 * Any language that can export a C function works: C, C++ (extern "C"), Rust (#[no_mangle] extern "C"), Zig, or
 * Swift through FusePluginKit (@_cdecl). See docs/PLUGINS.md and samples/plugins/.
 *
 * Rules a plugin follows:
 *   - `decode` may be called from several threads at once; it must not share mutable state without locking.
 *   - On success `decode` returns FUSE_PLUGIN_OK and fills `result`; Fuse copies the data out and then calls
 *     `free_result` exactly once on that result.
 *   - On failure `decode` returns any other value, owns nothing in `result` (Fuse never frees a failed result), and
 *     `last_error` returns a message for the calling thread's most recent failure (use thread-local storage). The
 *     message must stay valid until the next call on that thread; Fuse copies it at once.
 *   - A loaded library is never unloaded (C++ and Swift runtimes register state that cannot be torn down safely).
 */
#ifndef FUSE_PLUGIN_H
#define FUSE_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. Fuse loads only plugins whose descriptor carries exactly this value. */
#define FUSE_PLUGIN_ABI_VERSION 1u

/** The name of the exported entry function (of type fuse_plugin_entry_fn). */
#define FUSE_PLUGIN_ENTRY_SYMBOL "fuse_plugin_entry"

/** Return values of `decode`. Any non-zero value is a failure. */
#define FUSE_PLUGIN_OK 0
#define FUSE_PLUGIN_ERROR 1

/** What a decoded result holds. */
typedef enum fuse_plugin_result_kind {
    /** Continuous features: `rows` feature vectors of width `columns`, row-major in `features`. */
    FUSE_PLUGIN_FEATURES = 1,
    /** Discrete token ids: `rows` ids in `ids`; `columns` must be 1. */
    FUSE_PLUGIN_IDS = 2
} fuse_plugin_result_kind;

/** Bytes that identify the format at a fixed offset from the start of a file (Fuse sniffs the first 64 bytes). */
typedef struct fuse_plugin_signature {
    uint32_t offset;
    uint32_t length;
    const uint8_t *bytes;
} fuse_plugin_signature;

/**
 * A decoded file. Fuse zero-fills it before calling `decode`. `count` must equal `rows * columns`; it is checked so a
 * plugin that miscomputes its shape is caught instead of read out of bounds.
 */
typedef struct fuse_plugin_result {
    int32_t kind;              /* a fuse_plugin_result_kind */
    int32_t reserved;          /* must stay 0 */
    int64_t rows;              /* T: feature vectors, or ids */
    int64_t columns;           /* P: feature width; 1 for ids */
    int64_t count;             /* elements behind `features` or `ids` */
    const float *features;     /* FUSE_PLUGIN_FEATURES: rows * columns floats, finite */
    const int32_t *ids;        /* FUSE_PLUGIN_IDS: rows non-negative ids */
    void *plugin_data;         /* the plugin's own bookkeeping for free_result; Fuse never reads it */
} fuse_plugin_result;

/** Decodes the file at `path` (UTF-8, NUL-terminated) into `result`. Returns FUSE_PLUGIN_OK or an error code. */
typedef int32_t (*fuse_plugin_decode_fn)(void *context, const char *path, fuse_plugin_result *result);
/** Releases what a successful `decode` put in `result`. */
typedef void (*fuse_plugin_free_result_fn)(void *context, fuse_plugin_result *result);
/** The calling thread's most recent error message (UTF-8), or NULL. */
typedef const char *(*fuse_plugin_last_error_fn)(void *context);

/**
 * What the entry function returns. Field order is fixed for ABI version 1; later versions may append fields and raise
 * `abi_version`. `descriptor_size` is sizeof(fuse_plugin_descriptor) as the plugin was compiled, so Fuse can reject
 * a truncated descriptor.
 */
typedef struct fuse_plugin_descriptor {
    uint32_t abi_version;                       /* FUSE_PLUGIN_ABI_VERSION */
    uint32_t descriptor_size;                   /* sizeof(fuse_plugin_descriptor) */
    const char *id;                             /* e.g. "csv-features": letters, digits, '.', '_', '-' */
    const char *modality;                       /* e.g. "tabular": the model embedder that takes the tokens */
    const char *const *extensions;              /* lower-case, without the dot, e.g. "csv" */
    uint32_t extension_count;
    uint32_t mime_type_count;
    const char *const *mime_types;              /* e.g. "text/csv" */
    const fuse_plugin_signature *signatures;    /* magic bytes; may be NULL when signature_count is 0 */
    uint32_t signature_count;
    uint32_t reserved;                          /* must stay 0 */
    void *context;                              /* passed back to every function; may be NULL */
    fuse_plugin_decode_fn decode;
    fuse_plugin_free_result_fn free_result;
    fuse_plugin_last_error_fn last_error;
} fuse_plugin_descriptor;

/** The type of the exported entry function. It is called once per load and must not fail: return NULL on failure. */
typedef const fuse_plugin_descriptor *(*fuse_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_PLUGIN_H */
