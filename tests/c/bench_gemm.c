/* GFLOP/s of gl_gemm_vec vs gl_gemm_ref on convolution-shaped GEMMs (SqueezeNet 1.1
 * layers: forward C = W . col, and the input gradient dcol = W^T . dy). Not a test. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernels.h"

typedef void gemm_fn(int, int, int, const float *, int, const float *, int, float *, int, int);

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* GFLOP/s of f over repeated calls: one untimed call first, so the wasm engine has tiered
 * the code up, then calls until min_s seconds have passed. */
static double gflops(gemm_fn *f, int M, int N, int K, const float *A, const float *B, float *C, double min_s) {
    f(M, N, K, A, K, B, N, C, N, 0);
    int reps = 0;
    double t0 = now_s(), t;
    do {
        f(M, N, K, A, K, B, N, C, N, 0);
        reps++;
        t = now_s() - t0;
    } while (t < min_s);
    return 2.0 * M * N * K * reps / t * 1e-9;
}

int main(void) {
    static const int shapes[][3] = {  // M, N, K
        {64, 12321, 27},  {16, 3025, 64},  {64, 3025, 16},   {64, 3025, 144}, {144, 3025, 64},
        {128, 729, 288},  {288, 729, 128}, {256, 169, 576},  {1000, 169, 512}, {64, 3025, 576},
        {256, 3025, 64},  {64, 3025, 256},
    };
    printf("%5s %6s %5s  %8s %8s  (GFLOP/s)\n", "M", "N", "K", "vec", "ref");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N), *C = malloc(sizeof(float) * M * N);
        if (!A || !B || !C) return 1;
        for (int i = 0; i < M * K; i++) A[i] = (float)(i % 7) - 3.0f;
        for (int i = 0; i < K * N; i++) B[i] = (float)(i % 5) - 2.0f;
        double v = gflops(gl_gemm_vec, M, N, K, A, B, C, 0.3);
        double r = gflops(gl_gemm_ref, M, N, K, A, B, C, 0.3);
        printf("%5d %6d %5d  %8.2f %8.2f\n", M, N, K, v, r);
        free(A), free(B), free(C);
    }
    return 0;
}
