/*
 * csv-tabular: an example Fuse plugin, out of tree, in plain C.
 *
 * Reads a CSV file of numbers (an optional header line, comma-separated, one record per line) into tabular features:
 * one feature vector per record, one column per field, i.e. a [rows, columns] float matrix that a model's "tabular"
 * embedder projects (Meta-Transformer covers tabular data this way).
 *
 * Build: make            (or: cc -O2 -shared -fPIC -I../../../include -o libcsv_tabular.so csv_tabular.c)
 * Use:   fuse plugins register ./libcsv_tabular.so
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_plugin.h"

/* The ABI's last_error is per thread: decode may run on several threads at once. */
static _Thread_local char last_error_message[512];

static void set_error(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(last_error_message, sizeof last_error_message, format, args);
    va_end(args);
}

static char *read_whole_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) { set_error("cannot open: %s", strerror(errno)); return NULL; }
    size_t capacity = 1 << 16, length = 0;
    char *data = malloc(capacity + 1);
    while (data) {
        size_t got = fread(data + length, 1, capacity - length, file);
        length += got;
        if (length < capacity) break;
        capacity *= 2;
        char *grown = realloc(data, capacity + 1);
        if (!grown) { free(data); data = NULL; }
        else data = grown;
    }
    int failed = ferror(file);
    fclose(file);
    if (!data) { set_error("out of memory reading the file"); return NULL; }
    if (failed) { free(data); set_error("read error"); return NULL; }
    data[length] = '\0';
    *size = length;
    return data;
}

/* Parses one field [start, end) as a finite float; returns 0 on success. */
static int parse_field(const char *start, const char *end, float *value) {
    while (start < end && (*start == ' ' || *start == '\t')) start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
    if (start == end) return -1;
    char buffer[64];
    size_t length = (size_t)(end - start);
    if (length >= sizeof buffer) return -1;
    memcpy(buffer, start, length);
    buffer[length] = '\0';
    char *stop = NULL;
    errno = 0;
    float parsed = strtof(buffer, &stop);
    if (stop != buffer + length || errno == ERANGE || !isfinite(parsed)) return -1;
    *value = parsed;
    return 0;
}

/* Splits a line [line, end) on commas, writing up to `capacity` values; returns the field count or -1-index of
 * the first field that is not a number. */
static long parse_line(const char *line, const char *end, float *values, long capacity) {
    long count = 0;
    const char *field = line;
    for (;;) {
        const char *comma = memchr(field, ',', (size_t)(end - field));
        const char *field_end = comma ? comma : end;
        float value;
        if (parse_field(field, field_end, &value) != 0) return -1 - count;
        if (values && count < capacity) values[count] = value;
        count++;
        if (!comma) return count;
        field = comma + 1;
    }
}

static int32_t csv_decode(void *context, const char *path, fuse_plugin_result *result) {
    (void)context;
    size_t size = 0;
    char *text = read_whole_file(path, &size);
    if (!text) return FUSE_PLUGIN_ERROR;

    long columns = 0, rows = 0, capacity_rows = 64, line_number = 0;
    int first_line = 1;
    float *values = NULL;
    const char *cursor = text, *limit = text + size;
    while (cursor < limit) {
        const char *newline = memchr(cursor, '\n', (size_t)(limit - cursor));
        const char *end = newline ? newline : limit;
        const char *line = cursor;
        cursor = newline ? newline + 1 : limit;
        line_number++;
        if (end > line && end[-1] == '\r') end--;
        if (end == line) continue;                       /* blank line */
        if (memchr(line, '"', (size_t)(end - line))) {
            set_error("line %ld: quoted fields are not supported", line_number);
            goto fail;
        }
        if (columns == 0) {
            long fields = parse_line(line, end, NULL, 0);
            if (fields < 0 && first_line) {
                /* A first line that is not all numbers is the header: count its fields, keep nothing. */
                fields = 1;
                for (const char *c = line; c < end; c++) fields += (*c == ',');
                columns = fields;
                first_line = 0;
                continue;
            }
            if (fields < 0) {
                set_error("line %ld, field %ld: not a number", line_number, -fields);
                goto fail;
            }
            columns = fields;
        }
        first_line = 0;
        if (!values) {
            values = malloc((size_t)capacity_rows * (size_t)columns * sizeof(float));
            if (!values) { set_error("out of memory"); goto fail; }
        }
        if (rows == capacity_rows) {
            capacity_rows *= 2;
            float *grown = realloc(values, (size_t)capacity_rows * (size_t)columns * sizeof(float));
            if (!grown) { set_error("out of memory"); goto fail; }
            values = grown;
        }
        long fields = parse_line(line, end, values + rows * columns, columns);
        if (fields < 0) {
            set_error("line %ld, field %ld: not a number", line_number, -fields);
            goto fail;
        }
        if (fields != columns) {
            set_error("line %ld: %ld fields, expected %ld like the first line", line_number, fields, columns);
            goto fail;
        }
        rows++;
    }
    if (rows == 0) { set_error("no data rows (empty file or header only)"); goto fail; }

    free(text);
    result->kind = FUSE_PLUGIN_FEATURES;
    result->rows = rows;
    result->columns = columns;
    result->count = (int64_t)rows * columns;
    result->features = values;
    result->plugin_data = values;
    return FUSE_PLUGIN_OK;

fail:
    free(values);
    free(text);
    return FUSE_PLUGIN_ERROR;
}

static void csv_free_result(void *context, fuse_plugin_result *result) {
    (void)context;
    free(result->plugin_data);
    result->plugin_data = NULL;
    result->features = NULL;
}

static const char *csv_last_error(void *context) {
    (void)context;
    return last_error_message[0] ? last_error_message : NULL;
}

static const char *const extensions[] = {"csv"};
static const char *const mime_types[] = {"text/csv"};

static const fuse_plugin_descriptor descriptor = {
    .abi_version = FUSE_PLUGIN_ABI_VERSION,
    .descriptor_size = sizeof(fuse_plugin_descriptor),
    .id = "csv-tabular",
    .modality = "tabular",
    .extensions = extensions,
    .extension_count = 1,
    .mime_types = mime_types,
    .mime_type_count = 1,
    .signatures = NULL,
    .signature_count = 0,
    .context = NULL,
    .decode = csv_decode,
    .free_result = csv_free_result,
    .last_error = csv_last_error,
};

const fuse_plugin_descriptor *fuse_plugin_entry(void) { return &descriptor; }
