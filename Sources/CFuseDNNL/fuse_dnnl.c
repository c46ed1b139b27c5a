#include "fuse_dnnl.h"

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Calls run in chunks of CHUNK_ROWS rows, each padded to a multiple of ROW_STEP (below ROW_STEP rows: as is), so a
   layer meets at most CHUNK_ROWS / ROW_STEP + ROW_STEP shapes, whatever its batches' lengths: their primitives all
   stay in the cache instead of being created again for every new row count. */
enum { CACHE_SLOTS = 32, CANONICAL_ROWS = 256, CHUNK_ROWS = 128, ROW_STEP = 16 };

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

/* One engine for every layer (a CPU engine holds no state of its own), created once. */
static dnnl_engine_t shared_engine = NULL;
static dnnl_status_t shared_engine_status = dnnl_success;
static pthread_once_t shared_engine_once = PTHREAD_ONCE_INIT;
static void create_shared_engine(void) { shared_engine_status = dnnl_engine_create(&shared_engine, dnnl_cpu, 0); }

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

static fuse_dnnl_matmul *create_matmul(fuse_dnnl_kind kind, int64_t n, int64_t k, const void *weights, char *error,
                                       size_t error_size) {
    fuse_dnnl_matmul *mm = calloc(1, sizeof *mm);
    dnnl_primitive_desc_t pd = NULL, reorder_pd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t user = NULL;
    dnnl_stream_t stream = NULL;
    if (!mm) { if (error && error_size) snprintf(error, error_size, "out of memory"); return NULL; }
    mm->kind = kind; mm->n = n; mm->k = k;
    pthread_mutex_init(&mm->lock, NULL);
    pthread_once(&shared_engine_once, create_shared_engine);
    TRY(shared_engine_status, "engine creation");
    mm->engine = shared_engine;
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

/* On one thread: a model's weights are reordered layer after layer at load, and an OpenMP team per reorder cost more
   than the reorder (its idle members spin between regions: measured, a third of an int8 MiniLM's 0.9 s start). oneDNN
   fixes a primitive's thread count when the primitive is described, so the whole creation runs with one. */
fuse_dnnl_matmul *fuse_dnnl_matmul_create(fuse_dnnl_kind kind, int64_t n, int64_t k, const void *weights,
                                          char *error, size_t error_size) {
    const int threads = fuse_dnnl_calling_thread_count();
    fuse_dnnl_set_calling_thread_count(1);
    fuse_dnnl_matmul *mm = create_matmul(kind, n, k, weights, error, error_size);
    if (threads > 0) fuse_dnnl_set_calling_thread_count(threads);
    return mm;
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

/* Each thread's stream and scratch buffers, kept between calls so a layer call allocates nothing once warm. */
enum { BUFFER_INPUT = 0, BUFFER_RESULT = 1, BUFFER_SCRATCHPAD = 2, BUFFER_COUNT = 3 };
typedef struct {
    dnnl_stream_t stream;
    void *buffers[BUFFER_COUNT];
    size_t sizes[BUFFER_COUNT];
} thread_state;

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;

static void free_state(void *pointer) {
    thread_state *state = pointer;
    if (!state) return;
    if (state->stream) dnnl_stream_destroy(state->stream);
    for (int i = 0; i < BUFFER_COUNT; i++) free(state->buffers[i]);
    free(state);
}

static void create_state_key(void) { pthread_key_create(&state_key, free_state); }

static thread_state *current_state(void) {
    pthread_once(&state_once, create_state_key);
    thread_state *state = pthread_getspecific(state_key);
    if (state) return state;
    state = calloc(1, sizeof *state);
    if (state && pthread_setspecific(state_key, state) != 0) { free(state); return NULL; }
    return state;
}

/* The thread's buffer `slot`, at least `bytes` long and 64-byte aligned (NULL when out of memory). */
static void *thread_buffer(thread_state *state, int slot, size_t bytes) {
    if (state->sizes[slot] >= bytes) return state->buffers[slot];
    size_t size = bytes < 4096 ? 4096 : bytes + bytes / 4;
    size = (size + 63) & ~(size_t)63;
    void *grown = aligned_alloc(64, size);
    if (!grown) return NULL;
    free(state->buffers[slot]);
    state->buffers[slot] = grown;
    state->sizes[slot] = size;
    return grown;
}

static int out_of_memory(char *error, size_t error_size) {
    if (error && error_size) snprintf(error, error_size, "out of memory");
    return -1;
}

/* y = source · wᵀ for exactly m rows (one primitive), source in the layer's input type (u8 or bf16), y s32 or f32. */
static int execute_rows(fuse_dnnl_matmul *mm, thread_state *state, int64_t m, const void *source, void *y, char *error,
                   size_t error_size) {
    dnnl_memory_t src = NULL, dst = NULL, scratchpad = NULL;
    cache_slot *slot = NULL;
    dnnl_primitive_t primitive = NULL;
    int rc = -1;
    if (!state->stream) TRY(dnnl_stream_create(&state->stream, mm->engine, dnnl_stream_default_flags), "stream");
    /* Executions of one primitive may overlap across threads (oneDNN primitives are thread-safe to execute); the
       cache never evicts a primitive that is running. */
    dnnl_memory_desc_t scratchpad_md;
    primitive = acquire(mm, m, &slot, &scratchpad_md, error, error_size);
    if (!primitive) return -1;
    size_t scratchpad_size = dnnl_memory_desc_get_size(&scratchpad_md);
    if (scratchpad_size > 0) {
        void *buffer = thread_buffer(state, BUFFER_SCRATCHPAD, scratchpad_size);
        if (!buffer) { out_of_memory(error, error_size); goto fail; }
        TRY(dnnl_memory_create(&scratchpad, &scratchpad_md, mm->engine, buffer), "scratchpad memory");
    }
    dnnl_memory_desc_t src_md, dst_md;
    dnnl_dims_t src_dims = {m, mm->k}, dst_dims = {m, mm->n};
    TRY(dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims, source_type(mm->kind), dnnl_ab), "input descriptor");
    TRY(dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_dims, result_type(mm->kind), dnnl_ab), "output descriptor");
    TRY(dnnl_memory_create(&src, &src_md, mm->engine, (void *)source), "input memory");
    TRY(dnnl_memory_create(&dst, &dst_md, mm->engine, y), "output memory");
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, mm->weights}, {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCRATCHPAD, scratchpad}};
    TRY(dnnl_primitive_execute(primitive, state->stream, scratchpad ? 4 : 3, args), "matmul");
    TRY(dnnl_stream_wait(state->stream), "matmul");
    rc = 0;
fail:
    if (primitive) release(mm, slot, primitive);
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    if (scratchpad) dnnl_memory_destroy(scratchpad);
    return rc;
}

static size_t source_size(fuse_dnnl_kind kind) { return kind == FUSE_DNNL_U8S8S32 ? 1 : 2; }

int fuse_dnnl_linear_run(fuse_dnnl_matmul *mm, int64_t m, const float *x, const fuse_dnnl_int8_scales *scales,
                         const float *bias, int activation, int parts, float *const *outputs, char *error,
                         size_t error_size) {
    if (m <= 0) return 0;
    if (parts < 1 || mm->n % parts != 0) {
        if (error && error_size) snprintf(error, error_size, "%d output parts do not divide %lld columns", parts,
                                          (long long)mm->n);
        return -1;
    }
    thread_state *state = current_state();
    if (!state) return out_of_memory(error, error_size);
    const int64_t k = mm->k, n = mm->n, width = n / parts;
    const int int8 = mm->kind == FUSE_DNNL_U8S8S32;
    if (int8 && !scales) {
        if (error && error_size) snprintf(error, error_size, "an int8 layer needs its weight scales");
        return -1;
    }
    /* A chunk of rows at a time, start to finish (convert, multiply, epilogue), so its accumulators are still in the
       cache when the epilogue reads them. Each chunk is padded to a multiple of ROW_STEP with zero rows (see
       CHUNK_ROWS), whose results are never read. */
    const int64_t chunk = m < CHUNK_ROWS ? m : CHUNK_ROWS;
    const int64_t most = chunk < ROW_STEP ? chunk : (chunk + ROW_STEP - 1) / ROW_STEP * ROW_STEP;
    const size_t input_bytes = (((size_t)(most * k) * source_size(mm->kind)) + 63) & ~(size_t)63;
    char *input = thread_buffer(state, BUFFER_INPUT, input_bytes + (size_t)most * 8);
    void *result = thread_buffer(state, BUFFER_RESULT, (size_t)(most * n) * 4);
    if (!input || !result) return out_of_memory(error, error_size);
    float *row_scales = (float *)(input + input_bytes);     /* int8: each row's scale and zero point */
    int32_t *zero_points = (int32_t *)(row_scales + most);
    for (int64_t first = 0; first < m; first += CHUNK_ROWS) {
        const int64_t rows = m - first < CHUNK_ROWS ? m - first : CHUNK_ROWS;
        const int64_t padded = rows < ROW_STEP ? rows : (rows + ROW_STEP - 1) / ROW_STEP * ROW_STEP;
        const float *from = x + first * k;
        if (int8) {
            fuse_int8_quantize_rows(from, rows, k, k, scales->input_levels, scales->channel_mask, (uint8_t *)input,
                                    row_scales, zero_points);
        } else {
            fuse_bf16_from_f32(from, rows * k, (uint16_t *)input);
        }
        memset(input + (size_t)(rows * k) * source_size(mm->kind), 0,
               (size_t)((padded - rows) * k) * source_size(mm->kind));
        if (execute_rows(mm, state, padded, input, result, error, error_size) != 0) return -1;
        const fuse_int8_outliers outliers = {
            int8 ? scales->outlier_count : 0, int8 ? scales->outlier_channels : NULL,
            int8 ? scales->outlier_weights : NULL, from, k};
        for (int part = 0; part < parts; part++) {
            float *to = outputs[part] + first * width;
            if (int8) {
                fuse_int8_dequantize_rows(result, rows, n, part * width, width, row_scales, zero_points,
                                          scales->weight_scales, scales->weight_sums, bias,
                                          outliers.count > 0 ? &outliers : NULL, activation, to, width);
            } else {
                fuse_f32_copy_columns(result, rows, n, part * width, width, bias, activation, to, width);
            }
        }
    }
    return 0;
}

const char *fuse_dnnl_matmul_implementation(fuse_dnnl_matmul *mm) { return mm->implementation; }

void fuse_dnnl_matmul_destroy(fuse_dnnl_matmul *mm) {
    if (!mm) return;
    for (int i = 0; i < CACHE_SLOTS; i++) if (mm->slots[i].primitive) dnnl_primitive_destroy(mm->slots[i].primitive);
    if (mm->weights) dnnl_memory_destroy(mm->weights);
    pthread_mutex_destroy(&mm->lock);
    free(mm);
}

/* Debian's oneDNN runs its kernels on OpenMP threads; OpenMP's thread count is per calling thread. Looked up at run
   time so a oneDNN built on another threading runtime (no OpenMP symbols) simply keeps its own setting. */
static void (*omp_set_threads)(int) = NULL;
static int (*omp_max_threads)(void) = NULL;
static pthread_once_t omp_lookup_once = PTHREAD_ONCE_INIT;
static void look_up_omp(void) {
    omp_set_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    omp_max_threads = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
}

int fuse_dnnl_set_calling_thread_count(int threads) {
    pthread_once(&omp_lookup_once, look_up_omp);
    if (!omp_set_threads || threads < 1) return -1;
    omp_set_threads(threads);
    return 0;
}

int fuse_dnnl_calling_thread_count(void) {
    pthread_once(&omp_lookup_once, look_up_omp);
    return omp_max_threads ? omp_max_threads() : -1;
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
