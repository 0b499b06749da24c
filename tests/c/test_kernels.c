/* Every *_vec kernel against its *_ref on ragged sizes, the adjoint pairs by the dot
 * product test <A x, y> == <x, A^T y>, max-pool backward by an exact finite difference,
 * and a few semantic corner cases (clamp/relu boundaries, NaN, max-pool ties). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels.h"

#define TOL 1e-5

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

/* n floats (at least one, so that n == 0 still gives a valid pointer), uniform in [lo,hi). */
static float *rand_buf(size_t n, float lo, float hi) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (!p) abort();
    for (size_t i = 0; i < n; i++) p[i] = check_rand_float(&rng, lo, hi);
    return p;
}

static float *copy_buf(const float *x, size_t n) {
    float *p = rand_buf(n, 0.0f, 0.0f);
    memcpy(p, x, n * sizeof(float));
    return p;
}

static double dot(const float *a, const float *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* <A x, y> == <x, A^T y>, relative to ||A x|| ||y|| (the Cauchy-Schwarz bound on both). */
static void check_adjoint(const float *ax, const float *y, size_t ny, const float *x, const float *aty, size_t nx) {
    double lhs = dot(ax, y, ny), rhs = dot(x, aty, nx);
    double scale = sqrt(dot(ax, ax, ny) * dot(y, y, ny)) + 1e-30;
    CHECK(fabs(lhs - rhs) <= TOL * scale, "adjoint: <Ax,y> = %.9g, <x,A^T y> = %.9g", lhs, rhs);
}

/* ---- elementwise and reductions ---------------------------------------- */

/* y = a op b: vec against ref, then with y aliasing a. r, v (n) scratch outputs. */
static void check_binary(void (*ref)(const float *, const float *, size_t, float *),
                         void (*vec)(const float *, const float *, size_t, float *), const float *a, const float *b,
                         size_t n, float *r, float *v) {
    ref(a, b, n, r);
    vec(a, b, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    vec(v, b, n, v);
    ref(r, b, n, r);
    CHECK_CLOSE_REL(v, r, n, TOL);
}

/* The gates on x (n) with dy (n); r, v (n) scratch outputs. Sigmoid also on extreme
 * inputs: saturation on both sides, and below the vector kernel's exp cutoff. */
static void test_gates_n(size_t n, float *x, const float *dy, float *r, float *v) {
    static const float extremes[] = {-100.0f, 100.0f, -87.0f, 88.0f, -30.0f, 0.0f, INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i += 7) x[i] = extremes[(i / 7) % 8];
    CHECK_CONTEXT("sigmoid n=%zu", n);
    gl_sigmoid_ref(x, n, r);
    gl_sigmoid_vec(x, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    memcpy(v, r, n * sizeof(float));
    float *y = copy_buf(r, n);
    gl_sigmoid_backward_ref(y, dy, n, r);
    gl_sigmoid_backward_vec(y, dy, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    for (size_t i = 0; i < n; i += 7) x[i] = (float)((int)(i % 13) - 6);  // the kinks at +-3 exactly
    CHECK_CONTEXT("hardsigmoid n=%zu", n);
    gl_hardsigmoid_ref(x, 1.0f / 6.0f, 0.5f, n, r);
    gl_hardsigmoid_vec(x, 1.0f / 6.0f, 0.5f, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    memcpy(y, r, n * sizeof(float));
    memcpy(v, r, n * sizeof(float));
    gl_hardsigmoid_backward_ref(y, dy, 1.0f / 6.0f, n, r);
    gl_hardsigmoid_backward_vec(y, dy, 1.0f / 6.0f, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    CHECK_CONTEXT("hardswish n=%zu", n);
    gl_hardswish_ref(x, n, r);
    gl_hardswish_vec(x, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    memcpy(v, r, n * sizeof(float));
    gl_hardswish_backward_ref(x, dy, n, r);
    gl_hardswish_backward_vec(x, dy, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    free(y);
}

static void test_eltwise_n(size_t n) {
    float *x = rand_buf(n, -8.0f, 8.0f), *x2 = rand_buf(n, -8.0f, 8.0f), *dy = rand_buf(n, -1.0f, 1.0f);
    float *r = rand_buf(n, -1.0f, 1.0f), *v = copy_buf(r, n);  // outputs; equal start for accumulating kernels
    static const float bounds[][2] = {{0.0f, INFINITY}, {0.0f, 6.0f}, {-1.0f, 1.0f}};
    for (int b = 0; b < 3; b++) {
        float lo = bounds[b][0], hi = bounds[b][1];
        // exact boundary values: the backward pass must exclude them
        for (size_t i = 0; i < n; i += 5) x[i] = i % 2 ? lo : (isinf(hi) ? lo : hi);
        CHECK_CONTEXT("clamp n=%zu lo=%g hi=%g", n, lo, hi);
        gl_clamp_ref(x, lo, hi, n, r);
        gl_clamp_vec(x, lo, hi, n, v);
        CHECK_CLOSE_REL(v, r, n, TOL);
        memcpy(v, x, n * sizeof(float));
        gl_clamp_vec(v, lo, hi, n, v);  // in place
        CHECK_CLOSE_REL(v, r, n, TOL);
        for (int mode = 0; mode < 4; mode++) {  // guided or not, accumulating or storing
            int guided = mode & 1, accumulate = mode >> 1;
            memcpy(v, r, n * sizeof(float));
            gl_clamp_backward_ref(x, dy, lo, hi, guided, accumulate, n, r);
            gl_clamp_backward_vec(x, dy, lo, hi, guided, accumulate, n, v);
            CHECK_CLOSE_REL(v, r, n, TOL);
        }
    }
    for (int a = 0; a < 2; a++) {
        float alpha = a ? 0.2f : 0.01f;
        CHECK_CONTEXT("leaky_relu n=%zu alpha=%g", n, alpha);
        gl_leaky_relu_ref(x, alpha, n, r);
        gl_leaky_relu_vec(x, alpha, n, v);
        CHECK_CLOSE_REL(v, r, n, TOL);
        memcpy(v, r, n * sizeof(float));
        gl_leaky_relu_backward_ref(x, dy, alpha, n, r);
        gl_leaky_relu_backward_vec(x, dy, alpha, n, v);
        CHECK_CLOSE_REL(v, r, n, TOL);
    }
    CHECK_CONTEXT("affine/axpy/add n=%zu", n);
    gl_affine_ref(x, 0.7f, -1.5f, n, r);
    gl_affine_vec(x, 0.7f, -1.5f, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    memcpy(v, x, n * sizeof(float));
    gl_affine_vec(v, 0.7f, -1.5f, n, v);  // in place
    CHECK_CLOSE_REL(v, r, n, TOL);
    gl_axpy_ref(-0.3f, x, n, r);
    gl_axpy_vec(-0.3f, x, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    check_binary(gl_add_ref, gl_add_vec, x, x2, n, r, v);
    CHECK_CONTEXT("mul/mul_add/dot n=%zu", n);
    check_binary(gl_mul_ref, gl_mul_vec, x, x2, n, r, v);
    gl_mul_add_ref(x, dy, n, r);
    gl_mul_add_vec(x, dy, n, v);
    CHECK_CLOSE_REL(v, r, n, TOL);
    double abs_dot = 0.0;
    for (size_t i = 0; i < n; i++) abs_dot += fabs((double)x[i] * x2[i]);
    CHECK(fabs(gl_dot_vec(x, x2, n) - gl_dot_ref(x, x2, n)) <= TOL * abs_dot, "dot %g vs %g", gl_dot_vec(x, x2, n),
          gl_dot_ref(x, x2, n));
    test_gates_n(n, x, dy, r, v);
    CHECK_CONTEXT("sum/sumsq n=%zu", n);
    double abs_sum = 0.0;
    for (size_t i = 0; i < n; i++) abs_sum += fabs(x[i]);
    CHECK(fabs(gl_sum_vec(x, n) - gl_sum_ref(x, n)) <= TOL * abs_sum, "sum %g vs %g", gl_sum_vec(x, n), gl_sum_ref(x, n));
    CHECK(fabs(gl_sumsq_vec(x, n) - gl_sumsq_ref(x, n)) <= TOL * gl_sumsq_ref(x, n), "sumsq %g vs %g",
          gl_sumsq_vec(x, n), gl_sumsq_ref(x, n));
    gl_fill(v, 2.5f, n);
    int filled = 1;
    for (size_t i = 0; i < n; i++) filled &= v[i] == 2.5f;
    CHECK(filled, "fill");
    free(x), free(x2), free(dy), free(r), free(v);
}

/* Semantics the ref/vec comparison cannot catch: both could be wrong the same way. */
static void test_eltwise_semantics(void) {
    // 9 elements: two vectors' worth of lanes plus a scalar tail
    float x[9] = {0.0f, 1.0f, -1.0f, 6.0f, 3.0f, 0.0f, 6.0f, 2.5f, 0.0f}, dy[9], dx[9];
    gl_fill(dy, 1.0f, 9);
    gl_fill(dx, 0.0f, 9);
    CHECK_CONTEXT("relu6 backward boundaries");
    gl_clamp_backward_vec(x, dy, 0.0f, 6.0f, 0, 1, 9, dx);
    const float want[9] = {0, 1, 0, 0, 1, 0, 0, 1, 0};
    CHECK_CLOSE_REL(dx, want, 9, 0.0);
    CHECK_CONTEXT("guided relu6 backward: negative gradients stop");
    for (int i = 0; i < 9; i++) dy[i] = i % 2 ? -1.0f : 1.0f;
    gl_fill(dx, 0.0f, 9);
    gl_clamp_backward_vec(x, dy, 0.0f, 6.0f, 1, 1, 9, dx);
    const float want_guided[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    CHECK_CLOSE_REL(dx, want_guided, 9, 0.0);
    CHECK_CONTEXT("sigmoid against double precision");
    float xs[9] = {-90.0f, -20.0f, -1.0f, -1e-3f, 0.0f, 1e-3f, 2.5f, 16.0f, 90.0f}, ys[9];
    gl_sigmoid_vec(xs, 9, ys);
    for (int i = 0; i < 9; i++) {
        double want = 1.0 / (1.0 + exp(-(double)xs[i]));
        CHECK(fabs(ys[i] - want) <= 4e-7 * want + 1e-37, "sigmoid(%g) = %.9g, want %.9g", xs[i], ys[i], want);
    }
    CHECK_CONTEXT("hardswish backward at the kinks (PyTorch: the ramp at -3 and at 3)");
    float xk[9] = {-4.0f, -3.0f, -1.5f, 0.0f, 3.0f, 4.0f, -3.0f, 3.0f, 1.5f};
    gl_fill(dy, 1.0f, 9);
    gl_fill(dx, 0.0f, 9);
    gl_hardswish_backward_vec(xk, dy, 9, dx);
    const float want_hs[9] = {0, -0.5f, 0, 0.5f, 1.5f, 1, -0.5f, 1.5f, 1};
    CHECK_CLOSE_REL(dx, want_hs, 9, 1e-7);
    CHECK_CONTEXT("clamp NaN");
    float nan9[9], y[9];
    gl_fill(nan9, NAN, 9);
    gl_clamp_vec(nan9, 0.0f, 6.0f, 9, y);
    int all_nan = 1;
    for (int i = 0; i < 9; i++) all_nan &= isnan(y[i]);
    CHECK(all_nan, "clamp must propagate NaN");
}

/* ---- GEMM -------------------------------------------------------------- */

/* One shape: vec vs ref on fresh tightly allocated buffers (so the sanitizer sees any
 * overrun), with pad extra floats per row, and C's pad columns must stay untouched;
 * then the transposed-A kernel against vec. */
static void test_gemm_shape(int M, int N, int K, int pad, int accumulate) {
    int lda = K + pad, ldb = N + pad, ldc = N + pad;
    float *A = rand_buf((size_t)M * lda, -1.0f, 1.0f), *B = rand_buf((size_t)K * ldb, -1.0f, 1.0f);
    float *r = rand_buf((size_t)M * ldc, -1.0f, 1.0f), *v = copy_buf(r, (size_t)M * ldc), *c0 = copy_buf(r, (size_t)M * ldc);
    CHECK_CONTEXT("gemm M=%d N=%d K=%d pad=%d accumulate=%d", M, N, K, pad, accumulate);
    gl_gemm_ref(M, N, K, A, lda, B, ldb, r, ldc, accumulate);
    gl_gemm_vec(M, N, K, A, lda, B, ldb, v, ldc, accumulate);
    CHECK_CLOSE_REL(v, r, (size_t)M * ldc, TOL);
    int touched = 0;
    for (int i = 0; i < M; i++)
        for (int j = N; j < ldc; j++) touched += v[i * ldc + j] != c0[i * ldc + j];
    CHECK(touched == 0, "%d padding entries of C written", touched);
    // A^T stored (K, M + pad): the same products in the same order
    float *At = rand_buf((size_t)K * (M + pad), -1.0f, 1.0f), *vt = copy_buf(c0, (size_t)M * ldc);
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++) At[(size_t)k * (M + pad) + i] = A[(size_t)i * lda + k];
    gl_gemm_at_vec(M, N, K, At, M + pad, B, ldb, vt, ldc, accumulate);
    CHECK_CLOSE_REL(vt, v, (size_t)M * ldc, 0.0);
    // fused bias: against filling C with the bias and accumulating
    float *bias = rand_buf((size_t)M, -1.0f, 1.0f), *vb = copy_buf(c0, (size_t)M * ldc), *rb = copy_buf(c0, (size_t)M * ldc);
    for (int i = 0; i < M; i++) gl_fill(rb + (size_t)i * ldc, bias[i], (size_t)N);
    gl_gemm_ref(M, N, K, A, lda, B, ldb, rb, ldc, 1);
    gl_gemm_bias_vec(M, N, K, A, lda, B, ldb, bias, vb, ldc);
    CHECK_CLOSE_REL(vb, rb, (size_t)M * ldc, TOL);
    free(A), free(B), free(r), free(v), free(c0), free(At), free(vt), free(bias), free(vb), free(rb);
}

static void test_gemm(void) {
    static const int sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 65};
    const int ns = (int)(sizeof sizes / sizeof sizes[0]);
    for (int variant = 0; variant < 4; variant++)
        for (int m = 0; m < ns; m++)
            for (int n = 0; n < ns; n++)
                for (int k = 0; k < ns; k++) test_gemm_shape(sizes[m], sizes[n], sizes[k], variant & 2 ? 3 : 0, variant & 1);
    // K beyond one packed block; and the empty shapes (K = 0 must still zero C)
    static const int more[][3] = {{5, 19, 600}, {33, 40, 513}, {2, 9, 257}, {3, 5, 0}, {0, 5, 3}, {3, 0, 4}};
    for (size_t s = 0; s < sizeof more / sizeof more[0]; s++)
        for (int accumulate = 0; accumulate < 2; accumulate++)
            test_gemm_shape(more[s][0], more[s][1], more[s][2], 1, accumulate);
}

/* ---- window geometry ----------------------------------------------------- */

/* Outputs along one axis: input n, pads a (begin) b (end), kernel k, stride s, dilation d.
 * Ceil mode rounds up but drops a last window that would start past the input and its
 * begin padding (PyTorch), so that window may run past the end padding. */
static int out_len(int n, int a, int b, int k, int s, int d, int ceil_mode) {
    int span = n + a + b - d * (k - 1) - 1;
    if (span < 0) return 0;
    int o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    if (ceil_mode && (o - 1) * s >= n + a) o--;
    return o;
}

/* Random geometry: H, W 1..13 (every fourth up to 40, for longer vector runs), kernel 1..5,
 * stride 1..3, dilation 1..max_dil, pads 0..2 per side, floor or ceil mode. Returns 0 when
 * the output would be empty. */
static int random_geometry(int max_dil, gl_avgpool_geom *p) {
    static int calls;
    gl_window *g = &p->win;
    g->H = check_rand_int(&rng, 1, 13);
    g->W = check_rand_int(&rng, 1, ++calls % 4 ? 13 : 40);
    g->KH = check_rand_int(&rng, 1, 5), g->KW = check_rand_int(&rng, 1, 5);
    g->SH = check_rand_int(&rng, 1, 3), g->SW = check_rand_int(&rng, 1, 3);
    g->DH = check_rand_int(&rng, 1, max_dil), g->DW = check_rand_int(&rng, 1, max_dil);
    g->PT = check_rand_int(&rng, 0, 2), g->PL = check_rand_int(&rng, 0, 2);
    p->PB = check_rand_int(&rng, 0, 2), p->PR = check_rand_int(&rng, 0, 2);
    int ceil_mode = check_rand_int(&rng, 0, 1);
    g->OH = out_len(g->H, g->PT, p->PB, g->KH, g->SH, g->DH, ceil_mode);
    g->OW = out_len(g->W, g->PL, p->PR, g->KW, g->SW, g->DW, ceil_mode);
    p->count_include_pad = check_rand_int(&rng, 0, 1);
    CHECK_CONTEXT("H=%d W=%d K=%dx%d S=%d,%d D=%d,%d pads t%d l%d b%d r%d ceil=%d OH=%d OW=%d cip=%d", g->H, g->W, g->KH,
                  g->KW, g->SH, g->SW, g->DH, g->DW, g->PT, g->PL, p->PB, p->PR, ceil_mode, g->OH, g->OW,
                  p->count_include_pad);
    return g->OH > 0 && g->OW > 0;
}

enum { N_GEOMETRIES = 3000 };

/* im2col / col2im are adjoint; and for one channel, im2col + GEMM is a depthwise conv,
 * which cross-checks the two independently written index computations. */
static void test_im2col(void) {
    for (int t = 0; t < N_GEOMETRIES; t++) {
        gl_avgpool_geom p;
        if (!random_geometry(2, &p)) continue;
        const gl_window *g = &p.win;
        int C = check_rand_int(&rng, 1, 3);
        size_t nx = (size_t)C * g->H * g->W, rows = (size_t)C * g->KH * g->KW, cols = (size_t)g->OH * g->OW;
        float *x = rand_buf(nx, -1.0f, 1.0f), *dcol = rand_buf(rows * cols, -1.0f, 1.0f);
        float *col = rand_buf(rows * cols, 0.0f, 0.0f), *dx = rand_buf(nx, 0.0f, 0.0f);
        gl_im2col(x, C, g, col);
        gl_col2im_add(dcol, C, g, dx);
        check_adjoint(col, dcol, rows * cols, x, dx, nx);
        // C = 1: w (1, KH*KW) . col + bias
        float *w = rand_buf((size_t)g->KH * g->KW, -1.0f, 1.0f), *y = rand_buf(cols, 0, 0), *yc = rand_buf(cols, 0, 0);
        gl_im2col(x, 1, g, col);
        gl_gemm_ref(1, (int)cols, g->KH * g->KW, w, g->KH * g->KW, col, (int)cols, yc, (int)cols, 0);
        for (size_t i = 0; i < cols; i++) yc[i] += 0.25f;
        gl_dwconv_plane_ref(x, w, 0.25f, g, y);
        CHECK_CLOSE_REL(y, yc, cols, TOL);
        free(x), free(dcol), free(col), free(dx), free(w), free(y), free(yc);
    }
}

static void test_dwconv(void) {
    for (int t = 0; t < N_GEOMETRIES; t++) {
        gl_avgpool_geom p;
        if (!random_geometry(2, &p)) continue;
        const gl_window *g = &p.win;
        size_t nx = (size_t)g->H * g->W, ny = (size_t)g->OH * g->OW;
        float *x = rand_buf(nx, -1.0f, 1.0f), *w = rand_buf((size_t)g->KH * g->KW, -1.0f, 1.0f);
        float *r = rand_buf(ny, 0, 0), *v = rand_buf(ny, 0, 0), *dy = rand_buf(ny, -1.0f, 1.0f);
        float *dr = rand_buf(nx, -1.0f, 1.0f), *dv = copy_buf(dr, nx);
        gl_dwconv_plane_ref(x, w, 0.5f, g, r);
        gl_dwconv_plane_vec(x, w, 0.5f, g, v);
        CHECK_CLOSE_REL(v, r, ny, TOL);
        gl_dwconv_plane_backward_ref(dy, w, g, dr);
        gl_dwconv_plane_backward_vec(dy, w, g, dv);
        CHECK_CLOSE_REL(dv, dr, nx, TOL);
        gl_dwconv_plane_vec(x, w, 0.0f, g, v);
        gl_fill(dv, 0.0f, nx);
        gl_dwconv_plane_backward_vec(dy, w, g, dv);
        check_adjoint(v, dy, ny, x, dv, nx);
        free(x), free(w), free(r), free(v), free(dy), free(dr), free(dv);
    }
}

/* ---- pooling ------------------------------------------------------------- */

static int all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* Max pool backward against an exact finite difference: distinct integer inputs, a
 * direction and step on a power-of-two grid, so x +- eps*d is exact, no window's argmax
 * moves, and (f(x + eps d) - f(x - eps d)) / (2 eps) = J d exactly. Then the vector
 * kernel against the reference on the same input. */
static void check_maxpool_backward(const gl_window *g, const float *dy) {
    size_t nx = (size_t)g->H * g->W, ny = (size_t)g->OH * g->OW;
    const float eps = 1.0f / 64.0f;
    float *x = rand_buf(nx, 0, 0), *d = rand_buf(nx, 0, 0), *xp = rand_buf(nx, 0, 0), *xm = rand_buf(nx, 0, 0);
    float *yp = rand_buf(ny, 0, 0), *ym = rand_buf(ny, 0, 0), *fd = rand_buf(ny, 0, 0), *dx = rand_buf(nx, 0, 0);
    float *y = rand_buf(ny, 0, 0), *dxv = rand_buf(nx, 0, 0);
    for (size_t i = 0; i < nx; i++) {
        x[i] = (float)((i * 37 + 11) % 1009);  // distinct for nx < 1009
        d[i] = (float)check_rand_int(&rng, -8, 8) / 8.0f;
        xp[i] = x[i] + eps * d[i], xm[i] = x[i] - eps * d[i];
    }
    gl_maxpool_plane_vec(xp, g, yp);
    gl_maxpool_plane_vec(xm, g, ym);
    // empty windows (-inf both sides) have no derivative and route nothing
    for (size_t i = 0; i < ny; i++) fd[i] = isinf(yp[i]) ? 0.0f : (yp[i] - ym[i]) / (2.0f * eps);
    gl_maxpool_plane_backward_ref(x, dy, g, dx);
    double lhs = dot(fd, dy, ny), rhs = dot(d, dx, nx);
    CHECK(fabs(lhs - rhs) <= TOL * (sqrt(dot(fd, fd, ny) * dot(dy, dy, ny)) + 1e-30), "maxpool backward: <J d, dy> = %.9g, <d, dx> = %.9g",
          lhs, rhs);
    gl_maxpool_plane_vec(x, g, y);
    gl_maxpool_plane_backward_vec(x, y, dy, g, dxv);
    CHECK_CLOSE_REL(dxv, dx, nx, TOL);
    free(x), free(d), free(xp), free(xm), free(yp), free(ym), free(fd), free(dx), free(y), free(dxv);
}

static void test_pool(void) {
    for (int t = 0; t < N_GEOMETRIES; t++) {
        gl_avgpool_geom p;
        if (!random_geometry(2, &p)) continue;
        const gl_window *g = &p.win;
        size_t nx = (size_t)g->H * g->W, ny = (size_t)g->OH * g->OW;
        float *x = rand_buf(nx, -1.0f, 1.0f), *r = rand_buf(ny, 0, 0), *v = rand_buf(ny, 0, 0);
        float *dy = rand_buf(ny, -1.0f, 1.0f), *dx = rand_buf(nx, 0, 0);
        gl_maxpool_plane_ref(x, g, r);
        gl_maxpool_plane_vec(x, g, v);
        CHECK_CLOSE_REL(v, r, ny, TOL);
        x[check_rand_int(&rng, 0, (int)nx - 1)] = NAN;  // NaN wins every window it is in
        gl_maxpool_plane_ref(x, g, r);
        gl_maxpool_plane_vec(x, g, v);
        CHECK_CLOSE_REL(v, r, ny, TOL);
        float *dxr = rand_buf(nx, 0, 0), *dxv = rand_buf(nx, 0, 0);  // and its gradient goes to the NaN
        gl_fill(dxr, 0.0f, nx), gl_fill(dxv, 0.0f, nx);
        gl_maxpool_plane_backward_ref(x, dy, g, dxr);
        gl_maxpool_plane_backward_vec(x, v, dy, g, dxv);
        CHECK_CLOSE_REL(dxv, dxr, nx, 0.0);
        free(dxr), free(dxv);
        for (size_t i = 0; i < nx; i++) x[i] = isnan(x[i]) ? 0.5f : x[i];
        check_maxpool_backward(g, dy);
        gl_avgpool_plane_ref(x, &p, r);
        gl_avgpool_plane_vec(x, &p, v);
        CHECK_CLOSE_REL(v, r, ny, TOL);
        if (all_finite(r, ny)) {  // a window with nothing to average gives 0/0
            gl_avgpool_plane_backward(dy, &p, dx);
            check_adjoint(r, dy, ny, x, dx, nx);
        }
        free(x), free(r), free(v), free(dy), free(dx);
    }
}

/* Ties route to the first in-bounds position of each window: 2x2 windows, stride 1,
 * padding 1 on a constant 2x2 plane (3x3 outputs); then on a constant 6x12 plane
 * (3x3 windows, strides 1 and 2), where the vector kernel's interior runs. */
static void test_maxpool_ties(void) {
    gl_window g = {.H = 2, .W = 2, .OH = 3, .OW = 3, .KH = 2, .KW = 2, .SH = 1, .SW = 1, .DH = 1, .DW = 1, .PT = 1, .PL = 1};
    float x[72], y[72], dy[72], dx[72] = {0}, dxv[72] = {0};
    gl_fill(x, 1.0f, 72);
    gl_fill(dy, 1.0f, 72);
    gl_maxpool_plane_backward_ref(x, dy, &g, dx);
    const float want[4] = {4, 2, 2, 1};
    CHECK_CONTEXT("maxpool ties");
    CHECK_CLOSE_REL(dx, want, 4, 0.0);
    for (int s = 1; s <= 2; s++) {
        gl_window h = {.H = 6, .W = 12, .KH = 3, .KW = 3, .SH = s, .SW = s, .DH = 1, .DW = 1};
        h.OH = (6 - 3) / s + 1, h.OW = (12 - 3) / s + 1;
        gl_fill(dx, 0.0f, 72), gl_fill(dxv, 0.0f, 72);
        gl_maxpool_plane_vec(x, &h, y);
        gl_maxpool_plane_backward_ref(x, dy, &h, dx);
        gl_maxpool_plane_backward_vec(x, y, dy, &h, dxv);
        CHECK_CONTEXT("maxpool ties, stride %d", s);
        CHECK_CLOSE_REL(dxv, dx, 72, 0.0);
    }
}

/* Winograd F(4x4, 3x3) against im2col + GEMM, both directions: the forward with a
 * bias, and the input gradient as the convolution of dY with the flipped, transposed
 * weights (accumulating onto what dx holds). The bands of tile rows are split at a
 * random row, so a band that starts mid-plane is checked too. Winograd rounds
 * differently: relative L2 1e-5. */
static void winograd_run(const gl_window *g, int in, int out, const float *u, int transposed, const float *x,
                         const float *bias, float *y, int accumulate) {
    int TH = gl_winograd_tiles_along(g->OH), TW = gl_winograd_tiles_along(g->OW), split = check_rand_int(&rng, 0, TH);
    for (int band = 0; band < 2; band++) {
        int th0 = band ? split : 0, th1 = band ? TH : split, nt = (th1 - th0) * TW;
        if (!nt) continue;
        int panels = (nt + GL_GEMM_NR - 1) / GL_GEMM_NR, cut = check_rand_int(&rng, 0, panels);
        size_t nv = gl_winograd_input_floats(in, (size_t)nt);
        float *v = rand_buf(nv, 0, 0);  // NaN where the transform leaves a cell unwritten
        for (size_t k = 0; k < nv; k++) v[k] = NAN;
        gl_winograd_input(x, in, 0, in, g, th0, th1, v);
        // in two calls, as two threads take them: by panels, or by strips of output channels
        int strips = (out + GL_GEMM_MR - 1) / GL_GEMM_MR, strip_cut = check_rand_int(&rng, 0, strips);
        if (check_rand_int(&rng, 0, 1)) {
            gl_winograd_panels(u, transposed, in, out, v, 0, cut, 0, strips, g, th0, th1, bias, y, accumulate);
            gl_winograd_panels(u, transposed, in, out, v, cut, panels, 0, strips, g, th0, th1, bias, y, accumulate);
        } else {
            gl_winograd_panels(u, transposed, in, out, v, 0, panels, 0, strip_cut, g, th0, th1, bias, y, accumulate);
            gl_winograd_panels(u, transposed, in, out, v, 0, panels, strip_cut, strips, g, th0, th1, bias, y, accumulate);
        }
        free(v);
    }
}

static void test_winograd(void) {
    for (int t = 0; t < 306; t++) {
        /* 300-303: rows too wide for the transform's padded copy on the stack, whose
         * border tiles gather their cells one by one; 304-305: so many input channels
         * that gl_winograd_panels splits the panels into blocks */
        int wide = t >= 300 && t < 304, deep = t >= 304;
        int C = deep ? check_rand_int(&rng, 200, 260) : check_rand_int(&rng, 1, 9), M = check_rand_int(&rng, 1, 9),
            PB = check_rand_int(&rng, 0, 2), PR = check_rand_int(&rng, 0, 2);
        gl_window g = {.H = deep ? check_rand_int(&rng, 12, 24) : check_rand_int(&rng, 1, wide ? 5 : 14),
                       .W = wide ? check_rand_int(&rng, 4100, 4200) : deep ? check_rand_int(&rng, 12, 24) : check_rand_int(&rng, 1, 14),
                       .KH = 3, .KW = 3, .SH = 1, .SW = 1, .DH = 1, .DW = 1, .PT = check_rand_int(&rng, 0, 2),
                       .PL = check_rand_int(&rng, 0, 2)};
        g.OH = g.H + g.PT + PB - 2, g.OW = g.W + g.PL + PR - 2;
        if (g.OH < 1 || g.OW < 1) continue;
        CHECK_CONTEXT("winograd C=%d M=%d H=%d W=%d pads t%d l%d b%d r%d", C, M, g.H, g.W, g.PT, g.PL, PB, PR);
        size_t nx = (size_t)C * g.H * g.W, ny = (size_t)M * g.OH * g.OW, rows = (size_t)C * 9, cols = (size_t)g.OH * g.OW;
        float *x = rand_buf(nx, -1, 1), *w = rand_buf((size_t)M * rows, -1, 1), *bias = rand_buf((size_t)M, -1, 1);
        float *u = rand_buf((size_t)GL_WINOGRAD_POSITIONS * M * C, 0, 0), *col = rand_buf(rows * cols, 0, 0);
        float *y = rand_buf(ny, 0, 0), *yr = rand_buf(ny, 0, 0), *dy = rand_buf(ny, -1, 1);
        float *dx = rand_buf(nx, -1, 1), *dxr = rand_buf(nx, 0, 0);
        gl_winograd_weights(M, C, w, u);
        gl_im2col(x, C, &g, col);
        gl_gemm_ref(M, (int)cols, (int)rows, w, (int)rows, col, (int)cols, yr, (int)cols, 0);
        for (size_t k = 0; k < ny; k++) yr[k] += bias[k / cols];
        winograd_run(&g, C, M, u, 0, x, bias, y, 0);
        CHECK_CLOSE_REL(y, yr, ny, 1e-5);
        // dX += W^T dY through col2im, and through the flipped Winograd convolution
        memcpy(dxr, dx, nx * sizeof(float));
        float *wt = rand_buf(rows * (size_t)M, 0, 0);  // wt (rows, M) = w^T
        for (int m = 0; m < M; m++)
            for (size_t r = 0; r < rows; r++) wt[r * M + m] = w[m * rows + r];
        gl_gemm_ref((int)rows, (int)cols, M, wt, M, dy, (int)cols, col, (int)cols, 0);
        gl_col2im_add(col, C, &g, dxr);
        gl_window back = {.H = g.OH, .W = g.OW, .OH = g.H, .OW = g.W, .KH = 3, .KW = 3, .SH = 1, .SW = 1, .DH = 1,
                          .DW = 1, .PT = 2 - g.PT, .PL = 2 - g.PL};
        winograd_run(&back, M, C, u, 1, dy, NULL, dx, 1);
        CHECK_CLOSE_REL(dx, dxr, nx, 1e-5);
        free(x), free(w), free(bias), free(u), free(col), free(y), free(yr), free(dy), free(dx), free(dxr), free(wt);
    }
}

int main(void) {
    static const size_t ns[] = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 1000, 1001};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) test_eltwise_n(ns[i]);
    test_eltwise_semantics();
    test_gemm();
    test_im2col();
    test_dwconv();
    test_pool();
    test_maxpool_ties();
    test_winograd();
    return check_summary();
}
