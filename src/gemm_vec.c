/* GEMM on simd.h: C (M,N) (+)= A (M,K) . B (K,N), all row-major.
 *
 * B is packed KC rows x NR columns at a time into a stack panel: contiguous, and zero
 * padded past N so the micro-kernel always loads whole vectors. The panel (8 KB) stays
 * in L1 while every MR-row strip of A streams past it. The micro-kernel keeps an MR x NR
 * tile of C in registers and, per k, broadcasts one A value per row against two B
 * vectors (no FMA in wasm SIMD128: a mul and an add per product).
 *
 * MR = 4: 8 accumulators + 2 B vectors + the broadcast + the product fit the 15 XMM
 * registers V8 allocates on x64. Measured in Node 20 on Zen 4: 4x8 runs 25-38 GFLOP/s
 * on the SqueezeNet shapes, 5x8 and 6x8 spill and drop to ~20; unrolling k by 2 and
 * KC = 128 or 512 gained nothing. Tiles tried in isolation (Node 20, packed
 * operands, hot in L1): 4x8 and 2x16 ~38, every 12-accumulator shape (6x8,
 * 3x16, 4x12) ~26. Packing A (the weights, once at load) gained 5-10% in isolation but
 * nothing in the engine (SqueezeNet forward 1 ms slower), so A is read in place. */
#include "kernels.h"
#include "parallel.h"
#include "simd.h"

enum { MR = GL_GEMM_MR, NR = GL_GEMM_NR, KC = 256 };

static int min_int(int a, int b) { return a < b ? a : b; }

/* bp (kc,NR) = b (kc,ldb) columns [0,nc), then zeros: padded columns add nothing. */
static void pack_b(int kc, int nc, const float *b, int ldb, float *bp) {
    for (int k = 0; k < kc; k++, b += ldb, bp += NR) {
        if (nc == NR) {
            gl_v4f_store(bp, gl_v4f_load(b));
            gl_v4f_store(bp + 4, gl_v4f_load(b + 4));
        } else {
            for (int j = 0; j < NR; j++) bp[j] = j < nc ? b[j] : 0.0f;
        }
    }
}

/* c (mr,ldc) (+)= A's rows [0,mr) . bp (kc,NR), or = bias[r] + ... when bias is given
 * (the convolution's bias added in registers, not by a pass over C), mr in 1..MR,
 * where row r of A is
 * a[r*lda + k] (trans 0) or a[k*lda + r] (trans 1: A stored transposed, the conv
 * weights read as W^T for the input gradient: then the MR values of one k are
 * adjacent). Rows past mr alias the last valid row: they compute the same values from
 * the same inputs, so the k loop has no branches and the duplicate stores are
 * harmless. trans is a constant at each call site below. */
static inline __attribute__((always_inline)) void tile_body(int trans, int mr, int kc, const float *a, int lda,
                                                            const float *bp, float *c, int ldc, int accumulate,
                                                            const float *bias) {
    const float *ar[MR];
    float *cr[MR];
    gl_v4f acc[MR][2];
    size_t ks = trans ? (size_t)lda : 1;
    for (int r = 0; r < MR; r++) {
        int rr = r < mr ? r : mr - 1;
        ar[r] = a + (trans ? (size_t)rr : (size_t)rr * lda);
        cr[r] = c + (size_t)rr * ldc;
        acc[r][0] = bias ? gl_v4f_splat(bias[rr]) : accumulate ? gl_v4f_load(cr[r]) : gl_v4f_zero();
        acc[r][1] = bias ? acc[r][0] : accumulate ? gl_v4f_load(cr[r] + 4) : gl_v4f_zero();
    }
    for (int k = 0; k < kc; k++, bp += NR) {
        gl_v4f b0 = gl_v4f_load(bp), b1 = gl_v4f_load(bp + 4);
        for (int r = 0; r < MR; r++) {
            gl_v4f va = gl_v4f_splat(ar[r][k * ks]);
            acc[r][0] = gl_v4f_add(acc[r][0], gl_v4f_mul(va, b0));
            acc[r][1] = gl_v4f_add(acc[r][1], gl_v4f_mul(va, b1));
        }
    }
    for (int r = 0; r < MR; r++) {
        gl_v4f_store(cr[r], acc[r][0]);
        gl_v4f_store(cr[r] + 4, acc[r][1]);
    }
}

/* Never inlined: in a test harness built with emcc -O3 the tile was inlined twice
 * into the driver, where V8 spilled the accumulators and the GEMM ran at 7-9
 * GFLOP/s instead of 31-36. */
__attribute__((noinline)) static void tile_a(int mr, int kc, const float *a, int lda, const float *bp, float *c, int ldc,
                                             int accumulate, const float *bias) {
    tile_body(0, mr, kc, a, lda, bp, c, ldc, accumulate, bias);
}

__attribute__((noinline)) static void tile_at(int mr, int kc, const float *a, int lda, const float *bp, float *c, int ldc,
                                              int accumulate, const float *bias) {
    tile_body(1, mr, kc, a, lda, bp, c, ldc, accumulate, bias);
}

static void gemm_tile(int trans, int mr, int kc, const float *a, int lda, const float *bp, float *c, int ldc,
                      int accumulate, const float *bias) {
    (trans ? tile_at : tile_a)(mr, kc, a, lda, bp, c, ldc, accumulate, bias);
}

/* The last, ragged column panel (nc < NR): run the tile on a copy so that C's columns
 * past N are neither read nor written. c (mr,ldc). */
static void gemm_tile_edge(int trans, int mr, int nc, int kc, const float *a, int lda, const float *bp, float *c,
                           int ldc, int accumulate, const float *bias) {
    float t[MR * NR];  // t (MR,NR)
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < NR; j++) t[r * NR + j] = bias ? bias[r] : accumulate && j < nc ? c[(size_t)r * ldc + j] : 0.0f;
    gemm_tile(trans, mr, kc, a, lda, bp, t, NR, accumulate || bias, NULL);
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nc; j++) c[(size_t)r * ldc + j] = t[r * NR + j];
}

/* n tiles in one call: tile i, mr[i] rows, from a[i] and bp into c + i * MR * NR. */
__attribute__((noinline)) static void tiles_a(int n, const int *mr, int kc, const float *const *a, int lda,
                                              const float *bp, float *c) {
    for (int i = 0; i < n; i++) tile_body(0, mr[i], kc, a[i], lda, bp, c + i * MR * NR, NR, 0, NULL);
}

__attribute__((noinline)) static void tiles_at(int n, const int *mr, int kc, const float *const *a, int lda,
                                               const float *bp, float *c) {
    for (int i = 0; i < n; i++) tile_body(1, mr[i], kc, a[i], lda, bp, c + i * MR * NR, NR, 0, NULL);
}

void gl_gemm_tiles_vec(int trans, int n, const int *mr, int K, const float *const *a, int lda, const float *bp,
                       float *c) {
    (trans ? tiles_at : tiles_a)(n, mr, K, a, lda, bp, c);
}

typedef struct {
    int trans, M, N, K, lda, ldb, ldc, accumulate;
    const float *A, *B, *bias;
    float *C;
} gemm_job;

/* Column panels [j0, j1) x row strips [s0, s1) of the job: C's columns [j0*NR,
 * min(j1*NR, N)) and rows [s0*MR, min(s1*MR, M)). */
static void gemm_block(const gemm_job *g, int j0, int j1, int s0, int s1) {
    int M = min_int(g->M, s1 * MR), N = min_int(g->N, j1 * NR), K = g->K, lda = g->lda, ldb = g->ldb, ldc = g->ldc;
    int accumulate = g->accumulate, trans = g->trans;
    const float *A = g->A, *B = g->B;
    float *C = g->C;
    // A (M,lda), B (K,ldb), C (M,ldc)
    float bp[KC * NR];  // bp (KC,NR): the packed B panel
    for (int j = j0 * NR; j < N; j += NR) {
        int nc = min_int(NR, N - j);
        int k = 0;
        do {  // at least one pass even when K == 0: C must still be zeroed
            int kc = min_int(KC, K - k);
            pack_b(kc, nc, B + (size_t)k * ldb + j, ldb, bp);
            int acc = accumulate || k > 0;  // later K blocks add onto the earlier ones
            const float *kbias = k == 0 ? g->bias : NULL;
            for (int i = s0 * MR; i < M; i += MR) {
                int mr = min_int(MR, M - i);
                const float *a = trans ? A + (size_t)k * lda + i : A + (size_t)i * lda + k;
                float *c = C + (size_t)i * ldc + j;
                const float *rb = kbias ? kbias + i : NULL;
                if (nc == NR) gemm_tile(trans, mr, kc, a, lda, bp, c, ldc, acc, rb);
                else gemm_tile_edge(trans, mr, nc, kc, a, lda, bp, c, ldc, acc, rb);
            }
            k += kc;
        } while (k < K);
    }
}

/* Below this many multiply-adds (~20 us of work) a GEMM stays on one thread: handing
 * out a job costs a few microseconds. (At 2^22, SqueezeNet's 1x1 convolutions, 3M
 * multiply-adds each, all stayed serial and its 1x1 layers sped up 1.4x on 2 threads.) */
#define GEMM_PARALLEL_MIN_MACS (1 << 18)

static int panels_of(const gemm_job *g) { return (g->N + NR - 1) / NR; }
static int strips_of(const gemm_job *g) { return (g->M + MR - 1) / MR; }

static void gemm_panels(void *job, int first, int last) { gemm_block(job, first, last, 0, strips_of(job)); }
static void gemm_strips(void *job, int first, int last) { gemm_block(job, 0, panels_of(job), first, last); }

/* Threads take contiguous ranges of column panels or, when there are more row strips
 * than panels (a 7x7 layer of MobileNet v2: 7 panels, 240 strips), of row strips,
 * each packing the B panels it needs. Every element of C is the same sum in the same
 * order whichever thread computes it, so the result does not depend on the split. */
static void gemm(gemm_job job) {
    int panels = panels_of(&job), strips = strips_of(&job);
    int small = (double)job.M * job.N * job.K < GEMM_PARALLEL_MIN_MACS;
    if (strips > panels) gl_parallel_for(strips, small ? strips : 1, gemm_strips, &job);
    else gl_parallel_for(panels, small ? panels : 1, gemm_panels, &job);
}

void gl_gemm_vec(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate) {
    gemm(((gemm_job){0, M, N, K, lda, ldb, ldc, accumulate, A, B, NULL, C}));
}

void gl_gemm_at_vec(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                    float *C, int ldc, int accumulate) {
    gemm(((gemm_job){1, M, N, K, lda, ldb, ldc, accumulate, A, B, NULL, C}));
}

void gl_gemm_bias_vec(int M, int N, int K, const float *A, int lda, const float *B, int ldb, const float *bias,
                      float *C, int ldc) {
    gemm(((gemm_job){0, M, N, K, lda, ldb, ldc, 0, A, B, bias, C}));
}
