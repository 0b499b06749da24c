/* parallel.h for the pthreads build (dist/gradlens-simd-mt.wasm): a pool of workers
 * started once by gl_set_thread_count and kept for the life of the module.
 *
 * A job is handed out by the thread that calls gl_parallel_for (the engine's runtime
 * thread): it writes the job, bumps the sequence word of each worker it needs, runs
 * share 0 itself and waits until the workers' shares are done. Share s covers the
 * grains [s*chunks/shares, (s+1)*chunks/shares) of [0, n), so the ranges are
 * contiguous, aligned to grain, and the same for a given thread count.
 *
 * Share s is meant for worker s, but whoever claims it first computes it (a bit in
 * pool.claimed): the caller, done with its own share, takes those of workers that
 * have not woken up yet, and a worker those of its slower peers. A descheduled worker
 * (the machine is busy, the browser runs other threads) then delays a job by at most
 * the share it already started, and a job shorter than a worker's wake-up runs on
 * the caller alone. Which thread computes a range changes nothing in the results.
 *
 * Waiting (workers for a job, the caller for the workers) spins for a while, then
 * waits on a futex (see HOT_SPIN_MS): emscripten_futex_wait, which blocks with
 * memory.atomic.wait32, except on a browser's main thread, where blocking is not
 * allowed and it spins instead (the engine normally runs in a worker; js/threads.js).
 *
 * The threads are Emscripten pthreads whose Web Workers / worker_threads are started
 * by our own JS (js/threads.js, js/pool-worker.js) rather than Emscripten's glue:
 * pthread_create hands each to a worker that already loaded the module, so a thread
 * starts without the calling thread returning to its event loop. */
#include <emscripten.h>
#include <emscripten/threading.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "parallel.h"

#define EXPORT __attribute__((visibility("default"), used))

#define GL_MAX_THREADS 16 /* MAX_THREADS in js/threads.js */
#define WORKER_STACK_BYTES (2 << 20)
/* Waiting, in three stages: spinning for HOT_SPIN_MS (jobs come back to back within a
 * forward and backward pass: ~100 jobs of 0.1-2 ms with short serial stretches in
 * between); then, for a worker, until WORKER_IDLE_MS, waits of POLL_MS on the futex
 * that nobody needs to wake, so that a busy machine can run other threads (the
 * engine's own first) on this core; then sleeping until woken. */
#define HOT_SPIN_MS 0.25
#define POLL_MS 0.05
#define WORKER_IDLE_MS 2.0
/* Atomic loads between two looks at the clock (emscripten_get_now is a call into JS). */
#define SPINS_PER_CLOCK 256

/* What js/pool-worker.js reads at the thread's start (the pthread_create argument):
 * the top and size of its stack. Keep these two fields first. */
typedef struct {
    uint32_t stack_top;
    uint32_t stack_size;
    int32_t index;
} worker_start;

typedef struct {
    _Alignas(64) _Atomic uint32_t seq; /* futex: bumped for each job share given to this worker */
    _Atomic int32_t sleeping;          /* the worker sleeps (or is about to) on seq */
    worker_start start;
} worker_slot;

static worker_slot slots[GL_MAX_THREADS]; /* slots[k] for worker k >= 1 */

static struct {
    _Alignas(64) _Atomic int32_t remaining; /* futex: shares 1.. of the job not done yet */
    _Atomic uint32_t claimed;               /* bit s: share s is taken (all set between jobs) */
    _Atomic int32_t caller_sleeping;        /* the caller sleeps (or is about to) on remaining */
    _Atomic int32_t busy;                   /* a job is being handed out */
    _Atomic int32_t crashed;                /* a worker died (a trap): threads are not used again */
    /* the job in flight: written before the workers' seq is bumped */
    gl_task task;
    void *ctx;
    int n, grain, shares;
    long long chunks;
    int threads; /* in use, the caller's included */
    int started; /* workers running: 1..started */
    int refused; /* pthread_create failed: no more workers (it would leak its thread data again) */
} pool = {.claimed = UINT32_MAX, .threads = 1};

/* Counters, for tests and benchmarks (glw_parallel_stats). */
static _Atomic uint32_t ranges_done[GL_MAX_THREADS];
static _Atomic uint32_t jobs_split;

static _Thread_local int tl_index;   /* 0: any thread but a worker; k: worker k */
static _Thread_local int tl_in_task; /* inside a task: nested calls run serially */

/* Takes share s of the job in flight; false if another thread has it. */
static int claim(int s) {
    uint32_t bit = 1u << s;
    return !(atomic_fetch_or(&pool.claimed, bit) & bit);
}

static void run_share(int s) {
    long long c0 = pool.chunks * s / pool.shares, c1 = pool.chunks * (s + 1) / pool.shares;
    long long begin = c0 * pool.grain, end = c1 * pool.grain;
    if (end > pool.n) end = pool.n;
    tl_in_task = 1;
    pool.task(pool.ctx, (int)begin, (int)end);
    tl_in_task = 0;
    atomic_fetch_add(&ranges_done[tl_index], 1);
}

/* Claims and runs the shares from first on (wrapping around after shares - 1, never
 * share 0) that no one took yet; returns how many. Only for a thread that holds a
 * share of the job not counted done, which keeps the job's fields from changing. */
static int32_t run_unclaimed(int first) {
    int32_t ran = 0;
    int others = pool.shares - 1;
    for (int i = 0, s = first; i < others; i++, s = s % others + 1) {
        if (claim(s)) {
            run_share(s);
            ran++;
        }
    }
    return ran;
}

/* A worker's wait until *word differs from value (see HOT_SPIN_MS); it sleeps with
 * *sleeping set, so that the thread that changes *word knows to wake it. */
static void wait_for_change(_Atomic uint32_t *word, uint32_t value, _Atomic int32_t *sleeping) {
    double start = emscripten_get_now();
    for (;;) {
        for (int i = 0; i < SPINS_PER_CLOCK; i++) {
            if (atomic_load(word) != value) return;
        }
        double idle = emscripten_get_now() - start;
        if (idle < HOT_SPIN_MS) continue;
        if (idle < WORKER_IDLE_MS) {
            emscripten_futex_wait(word, value, POLL_MS);
            continue;
        }
        atomic_store(sleeping, 1);
        /* A change made after the store above sees sleeping == 1 and wakes us; one
         * made before it is seen by this load (both are sequentially consistent). */
        if (atomic_load(word) == value) emscripten_futex_wait(word, value, INFINITY);
        atomic_store(sleeping, 0);
        start = emscripten_get_now();
    }
}

static void *worker_main(void *arg) {
    worker_start *start = arg;
    int k = start->index;
    worker_slot *slot = &slots[k];
    tl_index = k;
    uint32_t seen = 0; /* slot->seq was 0 when the thread was created */
    for (;;) {
        wait_for_change(&slot->seq, seen, &slot->sleeping);
        seen = atomic_load(&slot->seq);
        /* Our share may be gone (the caller took it): then this job needs nothing from
         * us, and its fields may already be the next job's. */
        if (!claim(k)) continue;
        run_share(k);
        int32_t ran = 1 + run_unclaimed(k == pool.shares - 1 ? 1 : k + 1);
        if (atomic_fetch_sub(&pool.remaining, ran) == ran && atomic_load(&pool.caller_sleeping)) {
            emscripten_futex_wake(&pool.remaining, 1);
        }
    }
    return NULL;
}

/* The caller's wait for the shares workers are computing: spinning, then sleeping
 * until the last one wakes it (a worker still busy after HOT_SPIN_MS has most likely
 * lost its core: sleeping lets it have this one). A crashed worker never finishes its
 * share: the caller then traps (the engine reports a RuntimeError, as for a trap on
 * its own thread) and later jobs run on the calling thread alone. */
static void wait_for_workers(void) {
    double start = emscripten_get_now();
    for (;;) {
        for (int i = 0; i < SPINS_PER_CLOCK; i++) {
            if (atomic_load(&pool.remaining) == 0) return;
        }
        if (atomic_load(&pool.crashed)) {
            pool.threads = 1;
            __builtin_trap();
        }
        if (emscripten_get_now() - start < HOT_SPIN_MS) continue;
        atomic_store(&pool.caller_sleeping, 1);
        int32_t left = atomic_load(&pool.remaining);
        if (left != 0 && !atomic_load(&pool.crashed)) emscripten_futex_wait(&pool.remaining, (uint32_t)left, INFINITY);
        atomic_store(&pool.caller_sleeping, 0);
    }
}

void gl_parallel_for(int n, int grain, gl_task task, void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    long long chunks = ((long long)n + grain - 1) / grain;
    int serial = pool.threads <= 1 || chunks <= 1 || tl_in_task || atomic_load(&pool.crashed);
    /* busy: another thread is handing out a job (the engine has one runtime thread,
     * so this only guards against misuse); the check comes last, so a serial call
     * does not take the flag. */
    if (serial || atomic_exchange(&pool.busy, 1)) {
        task(ctx, 0, n);
        return;
    }
    int shares = chunks < pool.threads ? (int)chunks : pool.threads;
    /* claimed is all ones between jobs: a late worker cannot take a share while the
     * job is written. */
    pool.task = task;
    pool.ctx = ctx;
    pool.n = n;
    pool.grain = grain;
    pool.chunks = chunks;
    pool.shares = shares;
    atomic_store(&pool.remaining, shares - 1);
    atomic_store(&pool.claimed, UINT32_MAX << shares | 1u); /* shares 1..shares-1 open */
    atomic_fetch_add(&jobs_split, 1);
    for (int k = 1; k < shares; k++) {
        atomic_fetch_add(&slots[k].seq, 1);
        if (atomic_load(&slots[k].sleeping)) emscripten_futex_wake(&slots[k].seq, 1);
    }
    run_share(0);
    int32_t ran = run_unclaimed(1);
    if (ran) atomic_fetch_sub(&pool.remaining, ran);
    wait_for_workers();
    atomic_store(&pool.busy, 0);
}

int gl_thread_count(void) { return pool.threads; }

int gl_set_thread_count(int n) {
    /* Not while a job is in flight, nor from inside a task. */
    if (tl_in_task || atomic_load(&pool.busy)) return pool.threads;
    if (n < 1) n = 1;
    if (n > GL_MAX_THREADS) n = GL_MAX_THREADS;
    if (atomic_load(&pool.crashed)) n = 1;
    while (pool.started < n - 1 && !pool.refused) {
        int k = pool.started + 1;
        void *stack = aligned_alloc(16, WORKER_STACK_BYTES);
        if (!stack) break;
        slots[k].start = (worker_start){(uint32_t)(uintptr_t)stack + WORKER_STACK_BYTES, WORKER_STACK_BYTES, k};
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstack(&attr, stack, WORKER_STACK_BYTES);
        pthread_t thread;
        int failed = pthread_create(&thread, &attr, worker_main, &slots[k].start);
        pthread_attr_destroy(&attr);
        if (failed) { /* no worker left to host it (js/threads.js started fewer) */
            free(stack);
            pool.refused = 1;
            break;
        }
        pool.started = k;
    }
    pool.threads = n < pool.started + 1 ? n : pool.started + 1;
    return pool.threads;
}

/* ---- exports for js/pool-worker.js, tests and benchmarks ---- */

/* A worker's thread died (js/pool-worker.js caught the trap): wakes the caller, which
 * traps in turn rather than wait for a share that will never be done. */
EXPORT void glw_thread_crashed(void) {
    atomic_store(&pool.crashed, 1);
    emscripten_futex_wake(&pool.remaining, 1);
}

typedef struct {
    int32_t *owner;
} probe_job;

static void probe_task(void *ctx, int begin, int end) {
    probe_job *job = ctx;
    for (int i = begin; i < end; i++) job->owner[i] = tl_index;
}

/* Runs gl_parallel_for over [0, n) in grains of grain: owner[i] = the thread that
 * computed index i (0: the caller, k: worker k). */
EXPORT void glw_parallel_probe(int n, int grain, int32_t *owner) {
    probe_job job = {owner};
    gl_parallel_for(n, grain, probe_task, &job);
}

/* out[0]: jobs split across threads; out[1 + k]: ranges computed by thread k (0: the
 * caller), for k < max - 1; all since the module started. Returns the workers
 * started + 1. */
EXPORT int glw_parallel_stats(uint32_t *out, int max) {
    if (max > 0) out[0] = atomic_load(&jobs_split);
    for (int k = 0; k + 1 < max && k < GL_MAX_THREADS; k++) out[1 + k] = atomic_load(&ranges_done[k]);
    return pool.started + 1;
}
