/* Depthwise convolution of one plane on simd.h, vectorized along the row (horizontal
 * strides 1 and 2, window_rows.h): every output, and every input gradient, is summed in
 * a register across the window and stored once. */
#include "kernels.h"
#include "simd.h"
#include "window_rows.h"

/* Register-blocked rows: four outputs accumulate every tap in a register and are
 * stored once, instead of one read-modify-write pass over the plane per tap (which ran
 * MobileNet v2's 3x3 depthwise layers at ~4 GFLOP/s). Windows up to 7x7; larger ones
 * take the reference path. */
enum { MAX_TAPS = 49 };

/* The output index that tap k of input index i comes from, o = (i + P - k*D) / S,
 * or -1 when that is not a whole number: the gather form of the backward pass. */
static inline int partner(int i, int P, int k, int D, int S) {
    int num = i + P - k * D;
    if (num < 0) return -1;
    if (S == 1) return num; /* the common strides without an integer division */
    if (S == 2) return num & 1 ? -1 : num >> 1;
    return num % S ? -1 : num / S;
}

/* out[o] for one output o: bias, then the in-bounds taps in (kh, kw) order; the input
 * index of tap (kh, kw) is (o_row * S + kh * D - P) in each axis. forward: x in, rows
 * of y; backward: dy in, rows of dx, each tap's partner from partner(). */
static inline __attribute__((always_inline)) float dw_one(int backward, const float *in, const float *w, float bias,
                                                          const gl_window *g, int r, int c, const int KH, const int KW) {
    int rows = backward ? g->OH : g->H, cols = backward ? g->OW : g->W;
    float acc = bias;
    for (int kh = 0; kh < KH; kh++) {
        int ir = backward ? partner(r, g->PT, kh, g->DH, g->SH) : r * g->SH - g->PT + kh * g->DH;
        if (ir < 0 || ir >= rows) continue;
        for (int kw = 0; kw < KW; kw++) {
            int ic = backward ? partner(c, g->PL, kw, g->DW, g->SW) : c * g->SW - g->PL + kw * g->DW;
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
                    gl_v4f v = gl_load_taps(xr + kw * g->DW, g->SW);
                    acc = gl_v4f_add(acc, gl_v4f_mul(wv[kh * KW + kw], v));
                }
            }
            gl_v4f_store(yr + ow, acc);
        }
        for (; ow < g->OW; ow++) yr[ow] = dw_one(0, x, w, bias, g, oh, ow, KH, KW);
    }
}

/* Backward, SW in {1, 2}: dx (H,W) += the taps of dy gathered per dx cell (a correlation
 * with the flipped window), one store per cell. Stride 1: four adjacent cells per
 * vector. Stride 2: eight cells as two vectors, the even cells and the odd ones, whose
 * partners are each four adjacent outputs; zipped back together for the store. */
static inline __attribute__((always_inline)) void dw_backward_body(const float *dy, const float *w, const gl_window *g,
                                                                   float *dx, const int KH, const int KW, const int S) {
    gl_v4f wv[MAX_TAPS];
    for (int t = 0; t < KH * KW; t++) wv[t] = gl_v4f_splat(w[t]);
    int lo = (KW - 1) * g->DW - g->PL; /* the first column whose every partner is >= 0 */
    if (lo < 0) lo = 0;
    int cells = 4 * S;
    for (int ih = 0; ih < g->H; ih++) {
        float *dxr = dx + (size_t)ih * g->W;
        const float *dyr[MAX_TAPS]; /* per kh, the partner row of dy, or NULL */
        for (int kh = 0; kh < KH; kh++) {
            int oh = partner(ih, g->PT, kh, g->DH, g->SH);
            dyr[kh] = oh >= 0 && oh < g->OH ? dy + (size_t)oh * g->OW : NULL;
        }
        int iw = 0;
        for (; iw < lo && iw < g->W; iw++) dxr[iw] += dw_one(1, dy, w, 0.0f, g, ih, iw, KH, KW);
        /* the last cell's partners: (iw + cells - 1 + PL) / S at most */
        for (; iw + cells <= g->W && (iw + cells - 1 + g->PL) / S < g->OW; iw += cells) {
            gl_v4f acc[2] = {gl_v4f_zero(), gl_v4f_zero()};
            for (int kh = 0; kh < KH; kh++) {
                if (!dyr[kh]) continue;
                for (int kw = 0; kw < KW; kw++)
                    for (int q = 0; q < S; q++) { /* cells iw + q + S*m, m = 0..3 */
                        int num = iw + q + g->PL - kw * g->DW; /* >= 0 from lo on */
                        if (S > 1 && num % S) continue;        /* no partner at this stride */
                        acc[q] = gl_v4f_add(acc[q], gl_v4f_mul(wv[kh * KW + kw], gl_v4f_load(dyr[kh] + num / S)));
                    }
            }
            if (S == 1) {
                gl_v4f_store(dxr + iw, gl_v4f_add(gl_v4f_load(dxr + iw), acc[0]));
            } else {
                gl_v4f_store(dxr + iw, gl_v4f_add(gl_v4f_load(dxr + iw), gl_v4f_zip_lo(acc[0], acc[1])));
                gl_v4f_store(dxr + iw + 4, gl_v4f_add(gl_v4f_load(dxr + iw + 4), gl_v4f_zip_hi(acc[0], acc[1])));
            }
        }
        for (; iw < g->W; iw++) dxr[iw] += dw_one(1, dy, w, 0.0f, g, ih, iw, KH, KW);
    }
}

/* 3x3, nearly every depthwise layer there is, with the window (and, backward, the
 * stride) as constants: the generic loops ran at 2-4 GFLOP/s, the unrolled ones at
 * 8-14 (Node 20, Zen 4, 14x14 to 112x112 planes). */
__attribute__((noinline)) static void dw_forward_3x3(const float *x, const float *w, float bias, const gl_window *g,
                                                     float *y) {
    dw_forward_body(x, w, bias, g, y, 3, 3);
}

__attribute__((noinline)) static void dw_forward_any(const float *x, const float *w, float bias, const gl_window *g,
                                                     float *y) {
    dw_forward_body(x, w, bias, g, y, g->KH, g->KW);
}

__attribute__((noinline)) static void dw_backward_3x3_s1(const float *dy, const float *w, const gl_window *g, float *dx) {
    dw_backward_body(dy, w, g, dx, 3, 3, 1);
}

__attribute__((noinline)) static void dw_backward_3x3_s2(const float *dy, const float *w, const gl_window *g, float *dx) {
    dw_backward_body(dy, w, g, dx, 3, 3, 2);
}

__attribute__((noinline)) static void dw_backward_any(const float *dy, const float *w, const gl_window *g, float *dx) {
    if (g->SW == 1) dw_backward_body(dy, w, g, dx, g->KH, g->KW, 1);
    else dw_backward_body(dy, w, g, dx, g->KH, g->KW, 2);
}

static int is_3x3(const gl_window *g) { return g->KH == 3 && g->KW == 3; }

void gl_dwconv_plane_vec(const float *x, const float *w, float bias, const gl_window *g, float *y) {
    // x (H,W), w (KH,KW), y (OH,OW)
    if (!gl_window_rows_vectorized(g) || g->KH * g->KW > MAX_TAPS) gl_dwconv_plane_ref(x, w, bias, g, y);
    else (is_3x3(g) ? dw_forward_3x3 : dw_forward_any)(x, w, bias, g, y);
}

void gl_dwconv_plane_backward_vec(const float *dy, const float *w, const gl_window *g, float *dx) {
    // dy (OH,OW), w (KH,KW), dx (H,W)
    if (!gl_window_rows_vectorized(g) || g->KH * g->KW > MAX_TAPS) gl_dwconv_plane_backward_ref(dy, w, g, dx);
    else if (is_3x3(g)) (g->SW == 1 ? dw_backward_3x3_s1 : dw_backward_3x3_s2)(dy, w, g, dx);
    else dw_backward_any(dy, w, g, dx);
}
