#include "fuse_dnnl.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CACHE_SLOTS = 16, CANONICAL_ROWS = 256 };

typedef struct {
    int64_t rows;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t scratchpad;  /* what one execution needs */
    uint64_t used;
    int running;  /* executions in flight: a slot is never evicted while one runs */
} cache_slot;

struct fuse_dnnl_matmul {
    fuse_dnnl_kind kind;
    int64_t n, k;
    dnnl_engine_t engine;
    dnnl_memory_desc_t weights_md;   /* the reordered layout every primitive of this layer uses */
    dnnl_memory_t weights;           /* owns the reordered weights */
    pthread_mutex_t lock;
    cache_slot slots[CACHE_SLOTS];
    uint64_t clock;
    char implementation[64];
};

static void say(char *error, size_t size, const char *what, dnnl_status_t status) {
    if (error && size) snprintf(error, size, "oneDNN: %s failed (status %d)", what, (int)status);
}

#define TRY(call, what) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) { say(error, error_size, what, s_); goto fail; } } while (0)

static dnnl_data_type_t source_type(fuse_dnnl_kind kind) { return kind == FUSE_DNNL_U8S8S32 ? dnnl_u8 : dnnl_bf16; }
static dnnl_data_type_t weight_type(fuse_dnnl_kind kind) { return kind == FUSE_DNNL_U8S8S32 ? dnnl_s8 : dnnl_bf16; }
static dnnl_data_type_t result_type(fuse_dnnl_kind kind) { return kind == FUSE_DNNL_U8S8S32 ? dnnl_s32 : dnnl_f32; }

/* A matmul primitive descriptor for `rows` rows with the given weights layout. */
static dnnl_status_t describe(fuse_dnnl_matmul *mm, int64_t rows, const dnnl_memory_desc_t *weights_md,
                              dnnl_primitive_desc_t *pd) {
    dnnl_memory_desc_t src, dst;
    dnnl_dims_t src_dims = {rows, mm->k}, dst_dims = {rows, mm->n};
    dnnl_status_t s = dnnl_memory_desc_init_by_tag(&src, 2, src_dims, source_type(mm->kind), dnnl_ab);
    if (s != dnnl_success) return s;
    s = dnnl_memory_desc_init_by_tag(&dst, 2, dst_dims, result_type(mm->kind), dnnl_ab);
    if (s != dnnl_success) return s;
    dnnl_matmul_desc_t desc;
    s = dnnl_matmul_desc_init(&desc, &src, weights_md, NULL, &dst);
    if (s != dnnl_success) return s;
    /* The caller provides each execution's scratchpad: oneDNN's default shares one scratchpad among all primitives,
       which corrupts results when two threads run layers at once. */
    dnnl_primitive_attr_t attr;
    s = dnnl_primitive_attr_create(&attr);
    if (s != dnnl_success) return s;
    s = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(pd, &desc, attr, mm->engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    return s;
}

fuse_dnnl_matmul *fuse_dnnl_matmul_create(fuse_dnnl_kind kind, int64_t n, int64_t k, const void *weights,
                                          char *error, size_t error_size) {
    fuse_dnnl_matmul *mm = calloc(1, sizeof *mm);
    dnnl_primitive_desc_t pd = NULL, reorder_pd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t user = NULL;
    dnnl_stream_t stream = NULL;
    if (!mm) { if (error && error_size) snprintf(error, error_size, "out of memory"); return NULL; }
    mm->kind = kind; mm->n = n; mm->k = k;
    pthread_mutex_init(&mm->lock, NULL);
    TRY(dnnl_engine_create(&mm->engine, dnnl_cpu, 0), "engine creation");
    dnnl_dims_t dims = {k, n};
    dnnl_memory_desc_t any, given;
    TRY(dnnl_memory_desc_init_by_tag(&any, 2, dims, weight_type(kind), dnnl_format_tag_any), "weights descriptor");
    /* Fuse stores w [n, k] row-major, which is the [k, n] matrix in "ba" order. */
    TRY(dnnl_memory_desc_init_by_tag(&given, 2, dims, weight_type(kind), dnnl_ba), "weights descriptor");
    TRY(describe(mm, CANONICAL_ROWS, &any, &pd), "matmul descriptor");
    mm->weights_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    TRY(dnnl_memory_create(&user, &given, mm->engine, (void *)weights), "weights memory");
    TRY(dnnl_memory_create(&mm->weights, &mm->weights_md, mm->engine, DNNL_MEMORY_ALLOCATE), "weights memory");
    TRY(dnnl_reorder_primitive_desc_create(&reorder_pd, &given, mm->engine, &mm->weights_md, mm->engine, NULL),
        "weights reorder descriptor");
    TRY(dnnl_primitive_create(&reorder, reorder_pd), "weights reorder");
    TRY(dnnl_stream_create(&stream, mm->engine, dnnl_stream_default_flags), "stream");
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, mm->weights}};
    TRY(dnnl_primitive_execute(reorder, stream, 2, args), "weights reorder");
    TRY(dnnl_stream_wait(stream), "weights reorder");
    dnnl_stream_destroy(stream);
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(reorder_pd);
    dnnl_memory_destroy(user);
    dnnl_primitive_desc_destroy(pd);
    return mm;
fail:
    if (stream) dnnl_stream_destroy(stream);
    if (reorder) dnnl_primitive_destroy(reorder);
    if (reorder_pd) dnnl_primitive_desc_destroy(reorder_pd);
    if (user) dnnl_memory_destroy(user);
    if (pd) dnnl_primitive_desc_destroy(pd);
    fuse_dnnl_matmul_destroy(mm);
    return NULL;
}

/* The primitive for `rows` rows, marked running: from the cache, else created into the least recently used idle slot
   (or, when every slot is running, created for this call alone: *uncached is then set and the caller destroys it). */
static dnnl_primitive_t acquire(fuse_dnnl_matmul *mm, int64_t rows, cache_slot **slot_out,
                                dnnl_memory_desc_t *scratchpad, char *error, size_t error_size) {
    *slot_out = NULL;
    pthread_mutex_lock(&mm->lock);
    mm->clock += 1;
    cache_slot *victim = NULL;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cache_slot *slot = &mm->slots[i];
        if (slot->primitive && slot->rows == rows) {
            slot->used = mm->clock;
            slot->running += 1;
            *slot_out = slot;
            *scratchpad = slot->scratchpad;
            pthread_mutex_unlock(&mm->lock);
            return slot->primitive;
        }
        if (slot->running == 0 && (!victim || !slot->primitive || (victim->primitive && slot->used < victim->used)))
            victim = slot;
    }
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t primitive = NULL;
    TRY(describe(mm, rows, &mm->weights_md, &pd), "matmul descriptor");
    TRY(dnnl_primitive_create(&primitive, pd), "matmul primitive");
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl) {
        snprintf(mm->implementation, sizeof mm->implementation, "%s", impl);
    }
    *scratchpad = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    dnnl_primitive_desc_destroy(pd);
    if (victim) {
        victim->scratchpad = *scratchpad;
        if (victim->primitive) dnnl_primitive_destroy(victim->primitive);
        victim->primitive = primitive;
        victim->rows = rows;
        victim->used = mm->clock;
        victim->running = 1;
        *slot_out = victim;
    }
    pthread_mutex_unlock(&mm->lock);
    return primitive;
fail:
    if (pd) dnnl_primitive_desc_destroy(pd);
    pthread_mutex_unlock(&mm->lock);
    return NULL;
}

static void release(fuse_dnnl_matmul *mm, cache_slot *slot, dnnl_primitive_t primitive) {
    if (!slot) { dnnl_primitive_destroy(primitive); return; }
    pthread_mutex_lock(&mm->lock);
    slot->running -= 1;
    pthread_mutex_unlock(&mm->lock);
}

static uint16_t bf16_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu)) return (uint16_t)((bits >> 16) | 0x40);  /* NaN */
    bits += 0x7fffu + ((bits >> 16) & 1u);  /* round to nearest even */
    return (uint16_t)(bits >> 16);
}

int fuse_dnnl_matmul_run(fuse_dnnl_matmul *mm, int64_t m, const void *x, void *y, char *error, size_t error_size) {
    if (m <= 0) return 0;
    void *converted = NULL, *scratchpad_buffer = NULL;
    dnnl_memory_t src = NULL, dst = NULL, scratchpad = NULL;
    dnnl_stream_t stream = NULL;
    int rc = -1;
    const void *source = x;
    if (mm->kind == FUSE_DNNL_BF16F32) {
        uint16_t *half = malloc((size_t)m * (size_t)mm->k * sizeof *half);
        if (!half) { if (error && error_size) snprintf(error, error_size, "out of memory"); return -1; }
        const float *values = x;
        for (int64_t i = 0; i < m * mm->k; i++) half[i] = bf16_bits(values[i]);
        converted = half;
        source = half;
    }
    /* Executions of one primitive may overlap across threads (oneDNN primitives are thread-safe to execute); the
       cache never evicts a primitive that is running. */
    cache_slot *slot = NULL;
    dnnl_memory_desc_t scratchpad_md;
    dnnl_primitive_t primitive = acquire(mm, m, &slot, &scratchpad_md, error, error_size);
    if (!primitive) goto done;
    size_t scratchpad_size = dnnl_memory_desc_get_size(&scratchpad_md);
    if (scratchpad_size > 0) {
        scratchpad_buffer = malloc(scratchpad_size);
        if (!scratchpad_buffer) { if (error && error_size) snprintf(error, error_size, "out of memory"); goto fail; }
        TRY(dnnl_memory_create(&scratchpad, &scratchpad_md, mm->engine, scratchpad_buffer), "scratchpad memory");
    }
    dnnl_memory_desc_t src_md, dst_md;
    dnnl_dims_t src_dims = {m, mm->k}, dst_dims = {m, mm->n};
    TRY(dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims, source_type(mm->kind), dnnl_ab), "input descriptor");
    TRY(dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_dims, result_type(mm->kind), dnnl_ab), "output descriptor");
    TRY(dnnl_memory_create(&src, &src_md, mm->engine, (void *)source), "input memory");
    TRY(dnnl_memory_create(&dst, &dst_md, mm->engine, y), "output memory");
    TRY(dnnl_stream_create(&stream, mm->engine, dnnl_stream_default_flags), "stream");
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, mm->weights}, {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCRATCHPAD, scratchpad}};
    TRY(dnnl_primitive_execute(primitive, stream, scratchpad ? 4 : 3, args), "matmul");
    TRY(dnnl_stream_wait(stream), "matmul");
    rc = 0;
fail:
    release(mm, slot, primitive);
done:
    if (stream) dnnl_stream_destroy(stream);
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    if (scratchpad) dnnl_memory_destroy(scratchpad);
    free(scratchpad_buffer);
    free(converted);
    return rc;
}

const char *fuse_dnnl_matmul_implementation(fuse_dnnl_matmul *mm) { return mm->implementation; }

void fuse_dnnl_matmul_destroy(fuse_dnnl_matmul *mm) {
    if (!mm) return;
    for (int i = 0; i < CACHE_SLOTS; i++) if (mm->slots[i].primitive) dnnl_primitive_destroy(mm->slots[i].primitive);
    if (mm->weights) dnnl_memory_destroy(mm->weights);
    if (mm->engine) dnnl_engine_destroy(mm->engine);
    pthread_mutex_destroy(&mm->lock);
    free(mm);
}

int fuse_dnnl_isa(void) { return (int)dnnl_get_effective_cpu_isa(); }

const char *fuse_dnnl_isa_name(void) {
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_sse41: return "sse41";
    default: return "other";
    }
}

int fuse_dnnl_limit_isa_to_avx2(void) { return dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2) == dnnl_success ? 0 : -1; }
