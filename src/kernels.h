/* Compute kernels: the inner loops of every operator.
 *
 * Each kernel comes as a pair:
 *   *_ref  a naive loop, obviously correct: the test oracle and the fallback for
 *          the shapes a vector kernel does not cover;
 *   *_vec  the same contract written against simd.h, which is wasm SIMD128 in the
 *          SIMD build and a 4-lane scalar emulation in the baseline and native
 *          builds. tests/c/test_kernels.c checks every *_vec against its *_ref on
 *          ragged sizes, in both builds.
 *
 * All tensors are float32, row-major, caller-allocated; kernels never allocate.
 * "accumulate" kernels add into their output (backward passes sum over fan-out).
 */
#ifndef GL_KERNELS_H
#define GL_KERNELS_H

#include <stddef.h>

/* ---- GEMM ---------------------------------------------------------------- */
/* C (M,N) = A (M,K) . B (K,N)            when accumulate == 0
 * C (M,N) += A (M,K) . B (K,N)           when accumulate != 0
 * lda, ldb, ldc: row strides in floats (>= K, N, N). C must not overlap A or B. */
void gl_gemm_ref(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate);
void gl_gemm_vec(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate);
/* The same with A stored transposed: C (M,N) (+)= A^T . B, A (K,lda) row-major, lda >= M.
 * (The input gradient of a convolution multiplies by W^T without a transposed copy.) */
void gl_gemm_at_vec(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                    float *C, int ldc, int accumulate);
/* C (M,N) = bias[i] + A . B: a convolution's forward with its bias fused. */
void gl_gemm_bias_vec(int M, int N, int K, const float *A, int lda, const float *B, int ldb, const float *bias,
                      float *C, int ldc);
/* The GEMMs' register tile, n times over one B panel, for callers that lay B out in
 * panels themselves (Winograd): c + i * MR * NR (mr[i], GL_GEMM_NR) = rows [0, mr[i])
 * of A_i . bp (K, GL_GEMM_NR), mr[i] in 1..GL_GEMM_MR. Row r of A_i is a[i][r*lda + k],
 * or a[i][k*lda + r] when trans (A stored transposed). */
enum { GL_GEMM_MR = 4, GL_GEMM_NR = 8 };
void gl_gemm_tiles_vec(int trans, int n, const int *mr, int K, const float *const *a, int lda, const float *bp,
                       float *c);

/* ---- 2-D window geometry shared by convolution and pooling --------------- */
typedef struct {
    int H, W;           /* input plane */
    int OH, OW;         /* output plane */
    int KH, KW;         /* window */
    int SH, SW;         /* strides */
    int DH, DW;         /* dilations (1 for pooling) */
    int PT, PL;         /* top / left padding; bottom / right padding is implied by OH, OW */
} gl_window;

/* im2col for one image and one channel group:
 * col (C*KH*KW, OH*OW); row (c*KH + kh)*KW + kw holds x[c, oh*SH-PT+kh*DH, ow*SW-PL+kw*DW],
 * zero outside the input. x (C, H, W). */
void gl_im2col(const float *x, int C, const gl_window *g, float *col);
/* The adjoint of gl_im2col: dx (C,H,W) += scatter of dcol (C*KH*KW, OH*OW). */
void gl_col2im_add(const float *dcol, int C, const gl_window *g, float *dx);

/* ---- Winograd F(4x4, 3x3): 3x3, stride 1, no dilation (winograd_vec.c) -------
 * Output tiles of 4x4: TH = ceil(OH/4) rows of TW = ceil(OW/4) tiles; a band of tile
 * rows [th0, th1) holds nt = (th1-th0)*TW tiles, in P = ceil(nt / GL_GEMM_NR) panels.
 * The convolution of the band is
 *   for each of the 36 positions q: M[q] (M, nt) = u[q] (M, C) . v[q] (C, nt)
 * between the input transform (gl_winograd_input) and the output transform, which
 * gl_winograd_panels runs panel by panel around the GEMMs. The input gradient of the
 * same convolution is one too: dY convolved with the weights flipped and transposed,
 * whose u at position q is u^T at gl_winograd_flipped(q), over dX's window
 * (winograd_backward_window in ops/conv.c). */
enum { GL_WINOGRAD_OUT = 4, GL_WINOGRAD_POSITIONS = 36 };
/* Tiles along an output side of n: ceil(n / 4). */
static inline int gl_winograd_tiles_along(int n) { return (n + GL_WINOGRAD_OUT - 1) / GL_WINOGRAD_OUT; }
/* u (36, M, C) from w (M, C, 3, 3) */
void gl_winograd_weights(int M, int C, const float *w, float *u);
/* The position of u that holds position q of the flipped weights' transform. */
int gl_winograd_flipped(int q);
/* Tile rows per band for C input channels over output window g (at least 1). */
int gl_winograd_band_rows(const gl_window *g, int C);
/* v (P, 36, C, GL_GEMM_NR), positions a little more than C * GL_GEMM_NR floats apart:
 * channels [c0, c1) of the band's transformed input tiles, zero past nt. x (C, H, W) */
size_t gl_winograd_input_floats(int C, size_t nt);  // v's size
void gl_winograd_input(const float *x, int C, int c0, int c1, const gl_window *g, int th0, int th1, float *v);
/* y (M, OH, OW) = (or += when accumulate) bias[m] (if bias) + the band's outputs in
 * panels [p0, p1) and strips [s0, s1) of GL_GEMM_MR output channels, from v and u (36,
 * M, C), or u (36, C, M) read transposed at the flipped positions (transposed: the
 * input gradient). */
void gl_winograd_panels(const float *u, int transposed, int C, int M, const float *v, int p0, int p1, int s0, int s1,
                        const gl_window *g, int th0, int th1, const float *bias, float *y, int accumulate);

/* ---- depthwise convolution, one channel plane ---------------------------- */
/* y (OH,OW) = bias + sum_{kh,kw} w[kh,kw] * x[oh*SH-PT+kh*DH, ow*SW-PL+kw*DW]  (zero padding)
 * x (H,W), w (KH,KW). */
void gl_dwconv_plane_ref(const float *x, const float *w, float bias, const gl_window *g, float *y);
void gl_dwconv_plane_vec(const float *x, const float *w, float bias, const gl_window *g, float *y);
/* dx (H,W) += adjoint of the above applied to dy (OH,OW). */
void gl_dwconv_plane_backward_ref(const float *dy, const float *w, const gl_window *g, float *dx);
void gl_dwconv_plane_backward_vec(const float *dy, const float *w, const gl_window *g, float *dx);

/* ---- pooling, one channel plane ------------------------------------------ */
/* Max over the window positions that fall inside the input (padding never wins).
 * A window with no position inside the input gives -INFINITY (cannot happen with valid ONNX).
 * A NaN in the window gives NaN (PyTorch); backward then routes to the last NaN. */
void gl_maxpool_plane_ref(const float *x, const gl_window *g, float *y);
void gl_maxpool_plane_vec(const float *x, const gl_window *g, float *y);
/* dx (H,W) += dy routed to the first maximal position of each window (row-major scan),
 * as PyTorch does. The vector kernel also takes the forward output y (OH,OW): it
 * finds each window's maximal tap by comparing the taps with y. */
void gl_maxpool_plane_backward_ref(const float *x, const float *dy, const gl_window *g, float *dx);
void gl_maxpool_plane_backward_vec(const float *x, const float *y, const float *dy, const gl_window *g, float *dx);
/* The reference's route for one output (oh, ow): dx (H,W) += dy at its window's maximum. */
void gl_maxpool_route(const float *x, float dy, const gl_window *g, int oh, int ow, float *dx);

/* Average over the window. Divisor: count_include_pad != 0 -> the number of window
 * positions inside the padded input [-PT, H+PB) x [-PL, W+PR), where PB, PR are given;
 * count_include_pad == 0 -> the number of positions inside the input (a window wholly in
 * the padding then gives 0/0 = NaN). With dilation the divisor counts dilated positions. */
typedef struct {
    gl_window win;
    int PB, PR;
    int count_include_pad;
} gl_avgpool_geom;
void gl_avgpool_plane_ref(const float *x, const gl_avgpool_geom *p, float *y);
void gl_avgpool_plane_vec(const float *x, const gl_avgpool_geom *p, float *y);
void gl_avgpool_plane_backward(const float *dy, const gl_avgpool_geom *p, float *dx);

/* ---- elementwise and reductions (n floats, any n >= 0) ------------------- */
/* y = max(x, lo) then min(., hi); ReLU is lo = 0, hi = +INFINITY; in place allowed. */
void gl_clamp_ref(const float *x, float lo, float hi, size_t n, float *y);
void gl_clamp_vec(const float *x, float lo, float hi, size_t n, float *y);
/* dx (+)= dy where lo < x < hi (strictly), else 0 (PyTorch hardtanh / relu rule); adds
 * when accumulate, else stores. guided != 0: only positive dy passes (guided
 * backpropagation, Springenberg et al. 2015). */
void gl_clamp_backward_ref(const float *x, const float *dy, float lo, float hi, int guided, int accumulate, size_t n,
                           float *dx);
void gl_clamp_backward_vec(const float *x, const float *dy, float lo, float hi, int guided, int accumulate, size_t n,
                           float *dx);
/* y = x > 0 ? x : alpha * x;   dx += dy * (x > 0 ? 1 : alpha). */
void gl_leaky_relu_ref(const float *x, float alpha, size_t n, float *y);
void gl_leaky_relu_vec(const float *x, float alpha, size_t n, float *y);
void gl_leaky_relu_backward_ref(const float *x, const float *dy, float alpha, size_t n, float *dx);
void gl_leaky_relu_backward_vec(const float *x, const float *dy, float alpha, size_t n, float *dx);
/* y = 1 / (1 + exp(-x)). _vec: exp(-|x|) by Cody-Waite range reduction and a degree-5
 * polynomial (relative error below 2e-7), then e / (1 + e) or 1 / (1 + e): within a few
 * ulp of _ref; 0 below x = -87.3 where _ref gives denormals; NaN passes through. */
void gl_sigmoid_ref(const float *x, size_t n, float *y);
void gl_sigmoid_vec(const float *x, size_t n, float *y);
/* dx += dy * y * (1 - y), from the output y. */
void gl_sigmoid_backward_ref(const float *y, const float *dy, size_t n, float *dx);
void gl_sigmoid_backward_vec(const float *y, const float *dy, size_t n, float *dx);
/* y = max(0, min(1, alpha * x + beta));  dx += alpha * dy where 0 < y < 1 (from the output). */
void gl_hardsigmoid_ref(const float *x, float alpha, float beta, size_t n, float *y);
void gl_hardsigmoid_vec(const float *x, float alpha, float beta, size_t n, float *y);
void gl_hardsigmoid_backward_ref(const float *y, const float *dy, float alpha, size_t n, float *dx);
void gl_hardsigmoid_backward_vec(const float *y, const float *dy, float alpha, size_t n, float *dx);
/* y = x * min(max(x + 3, 0), 6) / 6, PyTorch's order of operations;
 * dx += dy * (x < -3 ? 0 : x <= 3 ? x / 3 + 1/2 : 1), PyTorch's rule at the kinks. */
void gl_hardswish_ref(const float *x, size_t n, float *y);
void gl_hardswish_vec(const float *x, size_t n, float *y);
void gl_hardswish_backward_ref(const float *x, const float *dy, size_t n, float *dx);
void gl_hardswish_backward_vec(const float *x, const float *dy, size_t n, float *dx);
/* y = tanh(x);  dx += dy * (1 - y * y) from the output. Scalar only: rare in CNNs. */
void gl_tanh(const float *x, size_t n, float *y);
void gl_tanh_backward(const float *y, const float *dy, size_t n, float *dx);
/* y = a * x + b  (per-channel affine: BatchNormalization, preprocessing); in place allowed. */
void gl_affine_ref(const float *x, float a, float b, size_t n, float *y);
void gl_affine_vec(const float *x, float a, float b, size_t n, float *y);
/* y += a * x */
void gl_axpy_ref(float a, const float *x, size_t n, float *y);
void gl_axpy_vec(float a, const float *x, size_t n, float *y);
/* y = a + b; y may be a or b. */
void gl_add_ref(const float *a, const float *b, size_t n, float *y);
void gl_add_vec(const float *a, const float *b, size_t n, float *y);
/* y = a * b; y may be a or b. */
void gl_mul_ref(const float *a, const float *b, size_t n, float *y);
void gl_mul_vec(const float *a, const float *b, size_t n, float *y);
/* y += a * b: the gradient of a product (dx += dy * other factor). */
void gl_mul_add_ref(const float *a, const float *b, size_t n, float *y);
void gl_mul_add_vec(const float *a, const float *b, size_t n, float *y);
/* sum of a * b (the gradient of a broadcast factor); rounding as gl_sum_*. */
float gl_dot_ref(const float *a, const float *b, size_t n);
float gl_dot_vec(const float *a, const float *b, size_t n);
/* sum of x, and sum of x*x; accumulated in float lanes then reduced (order differs from _ref
 * within rounding). */
float gl_sum_ref(const float *x, size_t n);
float gl_sum_vec(const float *x, size_t n);
float gl_sumsq_ref(const float *x, size_t n);
float gl_sumsq_vec(const float *x, size_t n);
/* x = value */
void gl_fill(float *x, float value, size_t n);

#endif
