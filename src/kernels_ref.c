/* Reference kernels: naive loops, written to be obviously correct. They are the test
 * oracle for the *_vec kernels and the fallback for shapes those do not cover. The
 * scalar-only kernels (im2col, col2im, pooling backward, fill) also live here; im2col and
 * col2im sit on the convolution hot path, so they copy bounded runs per tap
 * (gl_tap_range) instead of testing bounds per element: 4x faster in wasm. */
#include "kernels.h"

#include <math.h>

#include "window_rows.h"

void gl_gemm_ref(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate) {
    // A (M,lda), B (K,ldb), C (M,ldc)
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) acc += A[i * lda + k] * B[k * ldb + j];
            C[i * ldc + j] = accumulate ? C[i * ldc + j] + acc : acc;
        }
    }
}

void gl_im2col(const float *x, int C, const gl_window *g, float *col) {
    // x (C,H,W), col (C*KH*KW, OH*OW)
    for (int c = 0; c < C; c++) {
        for (int kh = 0; kh < g->KH; kh++) {
            for (int kw = 0; kw < g->KW; kw++) {
                int iw0 = kw * g->DW - g->PL, lo, hi;
                gl_tap_range(iw0, g->SW, g->W, g->OW, &lo, &hi);
                for (int oh = 0; oh < g->OH; oh++, col += g->OW) {
                    int ih = oh * g->SH - g->PT + kh * g->DH;
                    if (ih < 0 || ih >= g->H) {
                        for (int ow = 0; ow < g->OW; ow++) col[ow] = 0.0f;
                        continue;
                    }
                    const float *xr = x + ((size_t)c * g->H + ih) * g->W;  // xr (W)
                    for (int ow = 0; ow < lo; ow++) col[ow] = 0.0f;
                    for (int ow = lo; ow < hi; ow++) col[ow] = xr[iw0 + ow * g->SW];
                    for (int ow = hi; ow < g->OW; ow++) col[ow] = 0.0f;
                }
            }
        }
    }
}

void gl_col2im_add(const float *dcol, int C, const gl_window *g, float *dx) {
    // dcol (C*KH*KW, OH*OW), dx (C,H,W)
    for (int c = 0; c < C; c++) {
        for (int kh = 0; kh < g->KH; kh++) {
            for (int kw = 0; kw < g->KW; kw++) {
                int iw0 = kw * g->DW - g->PL, lo, hi;
                gl_tap_range(iw0, g->SW, g->W, g->OW, &lo, &hi);
                for (int oh = 0; oh < g->OH; oh++, dcol += g->OW) {
                    int ih = oh * g->SH - g->PT + kh * g->DH;
                    if (ih < 0 || ih >= g->H) continue;
                    float *dxr = dx + ((size_t)c * g->H + ih) * g->W;  // dxr (W)
                    for (int ow = lo; ow < hi; ow++) dxr[iw0 + ow * g->SW] += dcol[ow];
                }
            }
        }
    }
}

void gl_dwconv_plane_ref(const float *x, const float *w, float bias, const gl_window *g, float *y) {
    // x (H,W), w (KH,KW), y (OH,OW)
    for (int oh = 0; oh < g->OH; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            float acc = bias;
            for (int kh = 0; kh < g->KH; kh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                for (int kw = 0; kw < g->KW; kw++) {
                    int iw = ow * g->SW - g->PL + kw * g->DW;
                    if (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) acc += w[kh * g->KW + kw] * x[ih * g->W + iw];
                }
            }
            y[oh * g->OW + ow] = acc;
        }
    }
}

void gl_dwconv_plane_backward_ref(const float *dy, const float *w, const gl_window *g, float *dx) {
    // dy (OH,OW), w (KH,KW), dx (H,W)
    for (int oh = 0; oh < g->OH; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            for (int kh = 0; kh < g->KH; kh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                for (int kw = 0; kw < g->KW; kw++) {
                    int iw = ow * g->SW - g->PL + kw * g->DW;
                    if (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) dx[ih * g->W + iw] += w[kh * g->KW + kw] * dy[oh * g->OW + ow];
                }
            }
        }
    }
}

/* Index into x (H,W) of the window's maximum: the first in a row-major scan, except that a
 * NaN always takes over (PyTorch CPU: val > maxval || isnan(val)); -1 if the window has no
 * position inside the input. */
static int maxpool_argmax(const float *x, const gl_window *g, int oh, int ow) {
    int best = -1;
    for (int kh = 0; kh < g->KH; kh++) {
        int ih = oh * g->SH - g->PT + kh * g->DH;
        for (int kw = 0; kw < g->KW; kw++) {
            int iw = ow * g->SW - g->PL + kw * g->DW;
            if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) continue;
            float v = x[ih * g->W + iw];
            if (best < 0 || v > x[best] || isnan(v)) best = ih * g->W + iw;
        }
    }
    return best;
}

void gl_maxpool_plane_ref(const float *x, const gl_window *g, float *y) {
    // x (H,W), y (OH,OW)
    for (int oh = 0; oh < g->OH; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            int best = maxpool_argmax(x, g, oh, ow);
            y[oh * g->OW + ow] = best < 0 ? -INFINITY : x[best];
        }
    }
}

void gl_maxpool_route(const float *x, float dy, const gl_window *g, int oh, int ow, float *dx) {
    int best = maxpool_argmax(x, g, oh, ow);
    if (best >= 0) dx[best] += dy;
}

void gl_maxpool_plane_backward_ref(const float *x, const float *dy, const gl_window *g, float *dx) {
    // x (H,W), dy (OH,OW), dx (H,W)
    for (int oh = 0; oh < g->OH; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            gl_maxpool_route(x, dy[oh * g->OW + ow], g, oh, ow, dx);
        }
    }
}

/* Number of window positions counted by the divisor (see kernels.h). */
static float avgpool_divisor(const gl_avgpool_geom *p, int oh, int ow) {
    const gl_window *g = &p->win;
    // the counted region: the padded input, or the input itself
    int top = p->count_include_pad ? -g->PT : 0, bottom = p->count_include_pad ? g->H + p->PB : g->H;
    int left = p->count_include_pad ? -g->PL : 0, right = p->count_include_pad ? g->W + p->PR : g->W;
    int n = 0;
    for (int kh = 0; kh < g->KH; kh++) {
        int ih = oh * g->SH - g->PT + kh * g->DH;
        for (int kw = 0; kw < g->KW; kw++) {
            int iw = ow * g->SW - g->PL + kw * g->DW;
            n += ih >= top && ih < bottom && iw >= left && iw < right;
        }
    }
    return (float)n;
}

void gl_avgpool_plane_ref(const float *x, const gl_avgpool_geom *p, float *y) {
    // x (H,W), y (OH,OW)
    const gl_window *g = &p->win;
    for (int oh = 0; oh < g->OH; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            float sum = 0.0f;
            for (int kh = 0; kh < g->KH; kh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                for (int kw = 0; kw < g->KW; kw++) {
                    int iw = ow * g->SW - g->PL + kw * g->DW;
                    if (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) sum += x[ih * g->W + iw];
                }
            }
            y[oh * g->OW + ow] = sum / avgpool_divisor(p, oh, ow);
        }
    }
}

void gl_avgpool_plane_backward(const float *dy, const gl_avgpool_geom *p, float *dx) {
    // dy (OH,OW), dx (H,W)
    const gl_window *g = &p->win;
    for (int oh = 0; oh < g->OH; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            float d = dy[oh * g->OW + ow] / avgpool_divisor(p, oh, ow);
            for (int kh = 0; kh < g->KH; kh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                for (int kw = 0; kw < g->KW; kw++) {
                    int iw = ow * g->SW - g->PL + kw * g->DW;
                    if (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W) dx[ih * g->W + iw] += d;
                }
            }
        }
    }
}

void gl_clamp_ref(const float *x, float lo, float hi, size_t n, float *y) {
    // x (n), y (n); NaN passes through, as in PyTorch
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        if (v < lo) v = lo;
        if (v > hi) v = hi;
        y[i] = v;
    }
}

void gl_clamp_backward_ref(const float *x, const float *dy, float lo, float hi, int guided, int accumulate, size_t n,
                           float *dx) {
    // x (n), dy (n), dx (n)
    for (size_t i = 0; i < n; i++) {
        float g = x[i] > lo && x[i] < hi && (!guided || dy[i] > 0.0f) ? dy[i] : 0.0f;
        dx[i] = accumulate ? dx[i] + g : g;
    }
}

void gl_leaky_relu_ref(const float *x, float alpha, size_t n, float *y) {
    // x (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
}

void gl_leaky_relu_backward_ref(const float *x, const float *dy, float alpha, size_t n, float *dx) {
    // x (n), dy (n), dx (n)
    for (size_t i = 0; i < n; i++) dx[i] += x[i] > 0.0f ? dy[i] : alpha * dy[i];
}

void gl_affine_ref(const float *x, float a, float b, size_t n, float *y) {
    // x (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] = a * x[i] + b;
}

void gl_axpy_ref(float a, const float *x, size_t n, float *y) {
    // x (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] += a * x[i];
}

void gl_add_ref(const float *a, const float *b, size_t n, float *y) {
    // a (n), b (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

void gl_mul_ref(const float *a, const float *b, size_t n, float *y) {
    // a (n), b (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i];
}

void gl_mul_add_ref(const float *a, const float *b, size_t n, float *y) {
    // a (n), b (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] += a[i] * b[i];
}

float gl_dot_ref(const float *a, const float *b, size_t n) {
    // a (n), b (n); double, like gl_sum_ref
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return (float)s;
}

void gl_sigmoid_ref(const float *x, size_t n, float *y) {
    // x (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}

void gl_sigmoid_backward_ref(const float *y, const float *dy, size_t n, float *dx) {
    // y (n), dy (n), dx (n)
    for (size_t i = 0; i < n; i++) dx[i] += dy[i] * y[i] * (1.0f - y[i]);
}

void gl_hardsigmoid_ref(const float *x, float alpha, float beta, size_t n, float *y) {
    // x (n), y (n); NaN passes through, as in the clamp
    for (size_t i = 0; i < n; i++) {
        float v = alpha * x[i] + beta;
        y[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    }
}

void gl_hardsigmoid_backward_ref(const float *y, const float *dy, float alpha, size_t n, float *dx) {
    // y (n), dy (n), dx (n)
    for (size_t i = 0; i < n; i++)
        if (y[i] > 0.0f && y[i] < 1.0f) dx[i] += alpha * dy[i];
}

void gl_hardswish_ref(const float *x, size_t n, float *y) {
    // x (n), y (n)
    for (size_t i = 0; i < n; i++) {
        float g = x[i] + 3.0f;
        g = g < 0.0f ? 0.0f : g > 6.0f ? 6.0f : g;
        y[i] = x[i] * g / 6.0f;
    }
}

void gl_hardswish_backward_ref(const float *x, const float *dy, size_t n, float *dx) {
    // x (n), dy (n), dx (n)
    for (size_t i = 0; i < n; i++) {
        if (x[i] < -3.0f) continue;
        dx[i] += x[i] <= 3.0f ? dy[i] * (x[i] / 3.0f + 0.5f) : dy[i];
    }
}

void gl_tanh(const float *x, size_t n, float *y) {
    // x (n), y (n)
    for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

void gl_tanh_backward(const float *y, const float *dy, size_t n, float *dx) {
    // y (n), dy (n), dx (n)
    for (size_t i = 0; i < n; i++) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}

float gl_sum_ref(const float *x, size_t n) {
    // x (n); double so the oracle is more accurate than the kernel it checks
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return (float)s;
}

float gl_sumsq_ref(const float *x, size_t n) {
    // x (n)
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return (float)s;
}

void gl_fill(float *x, float value, size_t n) {
    // x (n)
    for (size_t i = 0; i < n; i++) x[i] = value;
}
