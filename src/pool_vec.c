/* Max and average pooling of one plane on simd.h, vectorized along the output row
 * (window_rows.h). Out-of-bounds taps are simply skipped: "padding never wins" for max,
 * zero padding for the average's sum. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "simd.h"
#include "window_rows.h"

/* y (n) = y + x[s*i], the average's sum over one tap. Stride 2 reads x[2i .. 2i+7], one
 * past the tap's last element, so its vector loop stops one step early. */
static void sum_tap_row(int s, const float *x, int n, float *y) {
    int i = 0;
    for (; i + 3 + s <= n; i += 4) gl_v4f_store(y + i, gl_v4f_add(gl_v4f_load(y + i), gl_load_taps(x + s * i, s)));
    for (; i < n; i++) y[i] += x[s * i];
}

/* y (OH,OW) += every in-bounds tap of x (H,W). Taps outermost, so each tap's column range
 * is computed once; each output still sees its taps in (kh, kw) order, the reference's. */
static void sum_taps(const float *x, const gl_window *g, float *y) {
    for (int kh = 0; kh < g->KH; kh++) {
        for (int kw = 0; kw < g->KW; kw++) {
            int iw0 = kw * g->DW - g->PL;  // input column of output column 0
            int lo, hi;
            gl_tap_range(iw0, g->SW, g->W, g->OW, &lo, &hi);
            if (lo == hi) continue;
            for (int oh = 0; oh < g->OH; oh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                if (ih >= 0 && ih < g->H)
                    sum_tap_row(g->SW, x + (size_t)ih * g->W + iw0 + lo * g->SW, hi - lo, y + (size_t)oh * g->OW + lo);
            }
        }
    }
}

/* max(a, b), NaN if either is (wasm's f32x4.max, the vector path's) */
static float max_nan(float a, float b) { return a > b || a != a ? a : b; }

/* Room for one padded input row of the separable max below (16 KB of stack). */
enum { MAXPOOL_ROW = 4096 };

/* 3x3 windows at stride 2 (SqueezeNet's and ResNet's pooling), whose taps 0 and 1 are
 * the two halves of the same two loads. */
static int three_at_stride2(const gl_window *g) { return g->KW == 3 && g->SW == 2 && g->DW == 1; }

/* Separable: a window's maximum is the maximum over its columns of the maxima over its
 * rows. Per output row the window's rows are reduced once into r (one input row, -inf
 * on both sides), then each vector of 4 outputs takes KW strided loads from it: 3x3
 * stride 2 costs 3 row passes plus 3 loads per output vector instead of 9 passes over
 * the output (taps 0 and 1 of stride 2 share their loads: SqueezeNet's pooling forward
 * 10-15% faster). Max is order-free (NaN wins wherever it is), so the value is the
 * reference's. */
void gl_maxpool_plane_vec(const float *x, const gl_window *g, float *y) {
    // x (H,W), y (OH,OW)
    int ow4 = (g->OW + 3) / 4 * 4;
    int len = ow4 * g->SW + (g->KW - 1) * g->DW + 8;  // past the last strided load of the last vector
    if (!gl_window_rows_vectorized(g) || len > MAXPOOL_ROW || g->PL + g->W > len) {
        gl_maxpool_plane_ref(x, g, y);
        return;
    }
    float buf[MAXPOOL_ROW];  // buf (len): -inf, then r (W), then -inf
    float *r = buf + g->PL;
    int three_stride2 = three_at_stride2(g);
    gl_fill(buf, -INFINITY, (size_t)len);
    for (int oh = 0; oh < g->OH; oh++) {
        int rows = 0;
        for (int kh = 0; kh < g->KH; kh++) {
            int ih = oh * g->SH - g->PT + kh * g->DH;
            if (ih < 0 || ih >= g->H) continue;
            const float *xr = x + (size_t)ih * g->W;
            int i = 0;
            for (; i + 4 <= g->W; i += 4)
                gl_v4f_store(r + i, rows ? gl_v4f_max(gl_v4f_load(r + i), gl_v4f_load(xr + i)) : gl_v4f_load(xr + i));
            for (; i < g->W; i++) r[i] = rows ? max_nan(r[i], xr[i]) : xr[i];
            rows++;
        }
        if (!rows) gl_fill(r, -INFINITY, (size_t)g->W);
        float *yr = y + (size_t)oh * g->OW;
        for (int ow = 0; ow < g->OW; ow += 4) {
            const float *t = buf + ow * g->SW;  // tap 0 of output ow
            gl_v4f m;
            if (three_stride2) {  // taps 0 and 1: the two halves of the same two loads
                gl_v4f a = gl_v4f_load(t), b = gl_v4f_load(t + 4);
                m = gl_v4f_max(gl_v4f_max(gl_v4f_even(a, b), gl_v4f_odd(a, b)), gl_load_taps(t + 2, 2));
            } else {
                m = gl_load_taps(t, g->SW);
                for (int kw = 1; kw < g->KW; kw++) m = gl_v4f_max(m, gl_load_taps(t + kw * g->DW, g->SW));
            }
            if (ow + 4 <= g->OW) {
                gl_v4f_store(yr + ow, m);
            } else {
                float last[4];
                gl_v4f_store(last, m);
                for (int l = 0; ow + l < g->OW; l++) yr[ow + l] = last[l];
            }
        }
    }
}

enum { MAXPOOL_TAPS = 64 };  /* windows up to 8x8 in the vector backward */

/* The backward's loop over one window row (below), for three taps at stride 2. */
static inline gl_v4f row3_stride2(const float *xr, gl_v4f yv, const gl_v4f at[3], gl_v4f tap) {
    gl_v4f a = gl_v4f_load(xr), b = gl_v4f_load(xr + 4);
    tap = gl_v4f_select(gl_v4f_eq(gl_load_taps(xr + 2, 2), yv), at[2], tap);
    tap = gl_v4f_select(gl_v4f_eq(gl_v4f_odd(a, b), yv), at[1], tap);
    return gl_v4f_select(gl_v4f_eq(gl_v4f_even(a, b), yv), at[0], tap);
}

/* i's bits in every lane */
static gl_v4f splat_bits(int32_t i) {
    float f;
    memcpy(&f, &i, sizeof f);
    return gl_v4f_splat(f);
}

/* Four outputs of a row at once. Each window's taps are compared with its maximum y in
 * reverse (kh, kw) order, each match overwriting the tap noted so far, so what remains
 * is the first maximal tap (the reference's), held as the int kh*DH*W + kw in the
 * lane's bits (selects only move bits; as floats, converting them back cost SqueezeNet's
 * pooling 7-14% of its backward). Then each output adds its gradient there: scalar adds,
 * so overlapping windows that share a cell simply add one after the other. A NaN maximum
 * equals no tap and takes the reference's route (to the last NaN), as do the outputs
 * whose window crosses the border. */
void gl_maxpool_plane_backward_vec(const float *x, const float *y, const float *dy, const gl_window *g, float *dx) {
    // x (H,W), y (OH,OW), dy (OH,OW), dx (H,W)
    if (!gl_window_rows_vectorized(g) || g->KH * g->KW > MAXPOOL_TAPS ||
        (double)g->KH * g->DH * g->W + g->KW * g->DW >= (double)INT32_MAX) {
        gl_maxpool_plane_backward_ref(x, dy, g, dx);
        return;
    }
    gl_v4f taps_at[MAXPOOL_TAPS];  // tap (kh, kw) as the int kh*DH*W + kw*DW, in every lane
    for (int kh = 0; kh < g->KH; kh++)
        for (int kw = 0; kw < g->KW; kw++) taps_at[kh * g->KW + kw] = splat_bits(kh * g->DH * g->W + kw * g->DW);
    /* outputs [lo, hi) have every tap inside the row; a stride-2 load also reads the cell
     * past its last tap, which must stay inside the row too */
    int lo0, hi0, lo1, hi1;
    gl_tap_range(-g->PL, g->SW, g->W, g->OW, &lo0, &hi0);
    gl_tap_range(-g->PL + (g->KW - 1) * g->DW + (g->SW - 1), g->SW, g->W, g->OW, &lo1, &hi1);
    int lo = lo0 > lo1 ? lo0 : lo1, hi = hi0 < hi1 ? hi0 : hi1;
    if (hi < lo) hi = lo;
    int three_stride2 = three_at_stride2(g);
    for (int oh = 0; oh < g->OH; oh++) {
        const float *yr = y + (size_t)oh * g->OW, *dyr = dy + (size_t)oh * g->OW;
        ptrdiff_t row0 = (ptrdiff_t)(oh * g->SH - g->PT) * g->W - g->PL;  // tap (0, 0) of output 0, as an index of x
        int ow = 0;
        for (; ow < lo; ow++) gl_maxpool_route(x, dyr[ow], g, oh, ow, dx);
        for (; ow + 4 <= hi; ow += 4) {
            gl_v4f yv = gl_v4f_load(yr + ow), tap = splat_bits(-1);
            for (int kh = g->KH - 1; kh >= 0; kh--) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                if (ih < 0 || ih >= g->H) continue;
                const float *xr = x + (size_t)ih * g->W + ow * g->SW - g->PL;
                if (three_stride2) {
                    tap = row3_stride2(xr, yv, taps_at + kh * 3, tap);
                    continue;
                }
                for (int kw = g->KW - 1; kw >= 0; kw--)
                    tap = gl_v4f_select(gl_v4f_eq(gl_load_taps(xr + kw * g->DW, g->SW), yv), taps_at[kh * g->KW + kw], tap);
            }
            float bits[4];
            int32_t taps[4];
            gl_v4f_store(bits, tap);
            memcpy(taps, bits, sizeof taps);
            for (int l = 0; l < 4; l++) {
                if (taps[l] >= 0) dx[row0 + (ptrdiff_t)(ow + l) * g->SW + taps[l]] += dyr[ow + l];
                else gl_maxpool_route(x, dyr[ow + l], g, oh, ow + l, dx);
            }
        }
        for (; ow < g->OW; ow++) gl_maxpool_route(x, dyr[ow], g, oh, ow, dx);
    }
}

/* Number of taps k in [0,K) whose index start + k*dil lies in [lo, hi). */
static int taps_inside(int start, int dil, int K, int lo, int hi) {
    int a, b;
    gl_tap_range(start - lo, dil, hi - lo, K, &a, &b);
    return b - a;
}

/* y (OH,OW) /= the divisor (kernels.h): the count of window positions inside the counted
 * region, a row count times a column count. Columns whose first and last taps are both
 * inside have column count KW and are divided as vectors; the border columns count their
 * own. Division, not a reciprocal: the reference's rounding. */
static void avgpool_divide(const gl_avgpool_geom *p, float *y) {
    const gl_window *g = &p->win;
    int top = p->count_include_pad ? -g->PT : 0, bottom = p->count_include_pad ? g->H + p->PB : g->H;
    int left = p->count_include_pad ? -g->PL : 0, right = p->count_include_pad ? g->W + p->PR : g->W;
    int lo0, hi0, lo1, hi1;
    gl_tap_range(-g->PL - left, g->SW, right - left, g->OW, &lo0, &hi0);
    gl_tap_range(-g->PL + (g->KW - 1) * g->DW - left, g->SW, right - left, g->OW, &lo1, &hi1);
    int lo = lo0 > lo1 ? lo0 : lo1, hi = hi0 < hi1 ? hi0 : hi1;
    if (hi < lo) hi = lo;
    for (int oh = 0; oh < g->OH; oh++) {
        float *yr = y + (size_t)oh * g->OW;  // yr (OW)
        int rows = taps_inside(oh * g->SH - g->PT, g->DH, g->KH, top, bottom);
        float d = (float)(rows * g->KW);
        int ow = lo;
        for (; ow + 4 <= hi; ow += 4) gl_v4f_store(yr + ow, gl_v4f_div(gl_v4f_load(yr + ow), gl_v4f_splat(d)));
        for (; ow < hi; ow++) yr[ow] /= d;
        for (ow = 0; ow < g->OW; ow++)
            if (ow < lo || ow >= hi) yr[ow] /= (float)(rows * taps_inside(ow * g->SW - g->PL, g->DW, g->KW, left, right));
    }
}

void gl_avgpool_plane_vec(const float *x, const gl_avgpool_geom *p, float *y) {
    // x (H,W), y (OH,OW)
    if (!gl_window_rows_vectorized(&p->win)) {
        gl_avgpool_plane_ref(x, p, y);
        return;
    }
    gl_fill(y, 0.0f, (size_t)p->win.OH * p->win.OW);
    sum_taps(x, &p->win, y);
    avgpool_divide(p, y);
}
