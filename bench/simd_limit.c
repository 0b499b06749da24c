/* The wasm SIMD128 limit of this machine: multiply-add throughput with independent
 * accumulators, what a convolution kernel could reach at best. Not a test.
 *
 * Each accumulator runs a = a * m + d (an f32x4.mul, then an f32x4.add: wasm SIMD128
 * has no FMA): 8 FLOPs per step, chains independent so only throughput limits them.
 * Run with 8, 10, 12 and 14 accumulators; the best is the limit (on Zen 4 in Node 20,
 * 12: two multiplies and two adds per cycle need 12 chains in flight). Prints one JSON
 * object for bench/bench.mjs. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>
#include <wasm_simd128.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Read once per 1024 steps, so the compiler can neither fold the chains nor hoist them. */
static volatile float factor = 0.999999f;

#define CHAINS(N)                                                                                  \
    __attribute__((noinline)) static float chains_##N(int steps) {                                 \
        v128_t a[N], m = wasm_f32x4_splat(factor), d = wasm_f32x4_splat(1e-7f);                      \
        for (int i = 0; i < N; i++) a[i] = wasm_f32x4_splat((float)i);                              \
        for (int s = 0; s < steps; s++) {                                                          \
            if ((s & 1023) == 0) m = wasm_f32x4_splat(factor);                                     \
            _Pragma("clang loop unroll(full)") for (int i = 0; i < N; i++) a[i] =                  \
                wasm_f32x4_add(wasm_f32x4_mul(a[i], m), d);                                        \
        }                                                                                          \
        v128_t r = a[0];                                                                           \
        for (int i = 1; i < N; i++) r = wasm_f32x4_add(r, a[i]);                                   \
        return wasm_f32x4_extract_lane(r, 0);                                                      \
    }
CHAINS(8)
CHAINS(10)
CHAINS(12)
CHAINS(14)

typedef float chains_fn(int);

/* GFLOP/s of the best of 5 timed runs, after one untimed run that lets V8 tier up. */
static double gflops(chains_fn *f, int n, float *sink) {
    const int steps = 20 * 1000 * 1000;
    double best = 0;
    *sink += f(steps / 10);
    for (int t = 0; t < 5; t++) {
        double t0 = now_s();
        *sink += f(steps);
        double g = 8.0 * n * steps / (now_s() - t0) * 1e-9;
        best = g > best ? g : best;
    }
    return best;
}

int main(void) {
    static chains_fn *const fns[] = {chains_8, chains_10, chains_12, chains_14};
    static const int counts[] = {8, 10, 12, 14};
    float sink = 0;
    double best = 0;
    int best_n = 0;
    printf("{\"accumulators\": {");
    for (int k = 0; k < 4; k++) {
        double g = gflops(fns[k], counts[k], &sink);
        printf("%s\"%d\": %.1f", k ? ", " : "", counts[k], g);
        if (g > best) best = g, best_n = counts[k];
    }
    printf("}, \"limit_gflops\": %.1f, \"best_accumulators\": %d, \"sink\": %g}\n", best, best_n, (double)sink);
    return 0;
}
