/* Depthwise convolution of one plane on simd.h, vectorized along the row. Forward, and
 * backward at stride 1, keep four outputs in a register across every tap (stride 2
 * reads pairs of vectors and keeps the even lanes); backward at stride 2 runs tap by
 * tap over rows (window_rows.h), interleaving the products with zeros. */
#include "kernels.h"
#include "simd.h"
#include "window_rows.h"

/* dx[2i] += a * dy[i]: the products are interleaved with zeros, so the odd dx lanes in
 * between are rewritten unchanged. The vector step writes dx[2i .. 2i+7], one past the
 * last element the tap may touch, so the vector loop stops one step early. */
static void axpy_to_even(float a, const float *dy, int n, float *dx) {
    gl_v4f va = gl_v4f_splat(a), zero = gl_v4f_zero();
    int i = 0;
    for (; i + 5 <= n; i += 4) {
        gl_v4f p = gl_v4f_mul(va, gl_v4f_load(dy + i));
        gl_v4f_store(dx + 2 * i, gl_v4f_add(gl_v4f_load(dx + 2 * i), gl_v4f_zip_lo(p, zero)));
        gl_v4f_store(dx + 2 * i + 4, gl_v4f_add(gl_v4f_load(dx + 2 * i + 4), gl_v4f_zip_hi(p, zero)));
    }
    for (; i < n; i++) dx[2 * i] += a * dy[i];
}

/* Backward at strides the gather below does not cover: taps outermost, so each tap's
 * column range is computed once, then dx (H,W) += w * dy (OH,OW) over every output row
 * whose input row is in bounds. */
static void dwconv_backward_taps(const float *w, const gl_window *g, const float *dy, float *dx) {
    for (int kh = 0; kh < g->KH; kh++) {
        for (int kw = 0; kw < g->KW; kw++) {
            int iw0 = kw * g->DW - g->PL;  // input column of output column 0
            int lo, hi;
            gl_tap_range(iw0, g->SW, g->W, g->OW, &lo, &hi);
            if (lo == hi) continue;
            float a = w[kh * g->KW + kw];
            for (int oh = 0; oh < g->OH; oh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                if (ih < 0 || ih >= g->H) continue;
                size_t xo = (size_t)ih * g->W + iw0 + lo * g->SW, yo = (size_t)oh * g->OW + lo;  // run starts
                if (g->SW == 1) gl_axpy_vec(a, dy + yo, (size_t)(hi - lo), dx + xo);
                else axpy_to_even(a, dy + yo, hi - lo, dx + xo);
            }
        }
    }
}

/* Register-blocked rows: four outputs accumulate every tap in a register and are
 * stored once, instead of one read-modify-write pass over the plane per tap (which ran
 * MobileNet v2's 3x3 depthwise layers at ~4 GFLOP/s). Windows up to 7x7; larger ones
 * take the reference path. */
enum { MAX_TAPS = 49 };

/* out[o] for one output o: bias, then the in-bounds taps in (kh, kw) order; the input
 * index of tap (kh, kw) is (o_row * S + kh * D - P) in each axis. forward: x in, rows
 * of y; backward (stride 1): dy in, rows of dx, each tap's partner index being
 * o + P - k * D. */
static inline __attribute__((always_inline)) float dw_one(int backward, const float *in, const float *w, float bias,
                                                          const gl_window *g, int r, int c, const int KH, const int KW) {
    int rows = backward ? g->OH : g->H, cols = backward ? g->OW : g->W;
    float acc = bias;
    for (int kh = 0; kh < KH; kh++) {
        int ir = backward ? r + g->PT - kh * g->DH : r * g->SH - g->PT + kh * g->DH;
        if (ir < 0 || ir >= rows) continue;
        for (int kw = 0; kw < KW; kw++) {
            int ic = backward ? c + g->PL - kw * g->DW : c * g->SW - g->PL + kw * g->DW;
            if (ic >= 0 && ic < cols) acc += w[kh * KW + kw] * in[(size_t)ir * cols + ic];
        }
    }
    return acc;
}

/* Forward y (OH,OW) = bias + taps of x, stride SW in {1, 2}. Columns [lo, hi) have every
 * tap inside the row, and a vector of four there reads SW-1 cells past its last tap,
 * also inside; the rest are computed one by one. KH and KW are constants for 3x3 (see
 * below), so the taps unroll and the weights stay in registers. */
static inline __attribute__((always_inline)) void dw_forward_body(const float *x, const float *w, float bias,
                                                                  const gl_window *g, float *y, const int KH,
                                                                  const int KW) {
    gl_v4f wv[MAX_TAPS];
    for (int t = 0; t < KH * KW; t++) wv[t] = gl_v4f_splat(w[t]);
    int lo = (g->PL + g->SW - 1) / g->SW, reach = (KW - 1) * g->DW + g->SW - 1;
    for (int oh = 0; oh < g->OH; oh++) {
        float *yr = y + (size_t)oh * g->OW;
        int ow = 0;
        for (; ow < lo && ow < g->OW; ow++) yr[ow] = dw_one(0, x, w, bias, g, oh, ow, KH, KW);
        for (; ow + 4 <= g->OW && (ow + 3) * g->SW - g->PL + reach < g->W; ow += 4) {
            gl_v4f acc = gl_v4f_splat(bias);
            for (int kh = 0; kh < KH; kh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                if (ih < 0 || ih >= g->H) continue;
                const float *xr = x + (size_t)ih * g->W + ow * g->SW - g->PL;
                for (int kw = 0; kw < KW; kw++) {
                    gl_v4f v = g->SW == 1 ? gl_v4f_load(xr + kw * g->DW)
                                          : gl_v4f_even(gl_v4f_load(xr + kw * g->DW), gl_v4f_load(xr + kw * g->DW + 4));
                    acc = gl_v4f_add(acc, gl_v4f_mul(wv[kh * KW + kw], v));
                }
            }
            gl_v4f_store(yr + ow, acc);
        }
        for (; ow < g->OW; ow++) yr[ow] = dw_one(0, x, w, bias, g, oh, ow, KH, KW);
    }
}

/* Backward, stride 1: dx (H,W) += the taps of dy gathered per dx cell (a correlation
 * with the flipped window), four cells per vector, one store each. */
static inline __attribute__((always_inline)) void dw_backward_body(const float *dy, const float *w, const gl_window *g,
                                                                   float *dx, const int KH, const int KW) {
    gl_v4f wv[MAX_TAPS];
    for (int t = 0; t < KH * KW; t++) wv[t] = gl_v4f_splat(w[t]);
    int lo = (KW - 1) * g->DW - g->PL; /* the first column whose every partner is >= 0 */
    if (lo < 0) lo = 0;
    for (int ih = 0; ih < g->H; ih++) {
        float *dxr = dx + (size_t)ih * g->W;
        int iw = 0;
        for (; iw < lo && iw < g->W; iw++) dxr[iw] += dw_one(1, dy, w, 0.0f, g, ih, iw, KH, KW);
        for (; iw + 4 <= g->W && iw + 3 + g->PL < g->OW; iw += 4) {
            gl_v4f acc = gl_v4f_zero();
            for (int kh = 0; kh < KH; kh++) {
                int oh = ih + g->PT - kh * g->DH;
                if (oh < 0 || oh >= g->OH) continue;
                const float *dyr = dy + (size_t)oh * g->OW + iw + g->PL;
                for (int kw = 0; kw < KW; kw++)
                    acc = gl_v4f_add(acc, gl_v4f_mul(wv[kh * KW + kw], gl_v4f_load(dyr - kw * g->DW)));
            }
            gl_v4f_store(dxr + iw, gl_v4f_add(gl_v4f_load(dxr + iw), acc));
        }
        for (; iw < g->W; iw++) dxr[iw] += dw_one(1, dy, w, 0.0f, g, ih, iw, KH, KW);
    }
}

/* 3x3, nearly every depthwise layer there is, with the window as constants: the generic
 * loop ran at 2-4 GFLOP/s, the unrolled one at ~14 (Node 20, Zen 4, 112x112 planes). */
__attribute__((noinline)) static void dw_forward_3x3(const float *x, const float *w, float bias, const gl_window *g,
                                                     float *y) {
    dw_forward_body(x, w, bias, g, y, 3, 3);
}

__attribute__((noinline)) static void dw_forward_any(const float *x, const float *w, float bias, const gl_window *g,
                                                     float *y) {
    dw_forward_body(x, w, bias, g, y, g->KH, g->KW);
}

__attribute__((noinline)) static void dw_backward_3x3(const float *dy, const float *w, const gl_window *g, float *dx) {
    dw_backward_body(dy, w, g, dx, 3, 3);
}

__attribute__((noinline)) static void dw_backward_any(const float *dy, const float *w, const gl_window *g, float *dx) {
    dw_backward_body(dy, w, g, dx, g->KH, g->KW);
}

static int is_3x3(const gl_window *g) { return g->KH == 3 && g->KW == 3; }

void gl_dwconv_plane_vec(const float *x, const float *w, float bias, const gl_window *g, float *y) {
    // x (H,W), w (KH,KW), y (OH,OW)
    if (!gl_window_rows_vectorized(g) || g->KH * g->KW > MAX_TAPS) gl_dwconv_plane_ref(x, w, bias, g, y);
    else (is_3x3(g) ? dw_forward_3x3 : dw_forward_any)(x, w, bias, g, y);
}

void gl_dwconv_plane_backward_vec(const float *dy, const float *w, const gl_window *g, float *dx) {
    // dy (OH,OW), w (KH,KW), dx (H,W)
    if (!gl_window_rows_vectorized(g)) gl_dwconv_plane_backward_ref(dy, w, g, dx);
    else if (g->SH == 1 && g->SW == 1 && g->KH * g->KW <= MAX_TAPS) (is_3x3(g) ? dw_backward_3x3 : dw_backward_any)(dy, w, g, dx);
    else dwconv_backward_taps(w, g, dy, dx);
}
