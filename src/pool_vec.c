/* Max and average pooling of one plane on simd.h, vectorized along the output row
 * (window_rows.h). Out-of-bounds taps are simply skipped: "padding never wins" for max,
 * zero padding for the average's sum. */
#include <math.h>

#include "kernels.h"
#include "simd.h"
#include "window_rows.h"

/* x[0], x[s], x[2s], x[3s] for s in {1, 2} */
static gl_v4f load_strided(const float *x, int s) {
    return s == 1 ? gl_v4f_load(x) : gl_v4f_even(gl_v4f_load(x), gl_v4f_load(x + 4));
}

/* y (n) = max(y, x[s*i]) when is_max, else y + x[s*i]. Max propagates NaN from either side,
 * as the reference does. Stride 2 reads x[2i .. 2i+7], one past the tap's last element,
 * so its vector loop stops one step early. */
static void pool_tap_row(int is_max, int s, const float *x, int n, float *y) {
    int i = 0;
    for (; i + 3 + s <= n; i += 4) {
        gl_v4f v = load_strided(x + s * i, s), o = gl_v4f_load(y + i);
        gl_v4f_store(y + i, is_max ? gl_v4f_max(o, v) : gl_v4f_add(o, v));
    }
    for (; i < n; i++) {
        float v = x[s * i];
        y[i] = !is_max ? y[i] + v : (v > y[i] || isnan(v)) ? v : y[i];
    }
}

/* y (OH,OW) = max (is_max) or sum of y and every in-bounds tap of x (H,W). Taps outermost,
 * so each tap's column range is computed once; each output still sees its taps in
 * (kh, kw) order, the reference's order. */
static void pool_taps(int is_max, const float *x, const gl_window *g, float *y) {
    for (int kh = 0; kh < g->KH; kh++) {
        for (int kw = 0; kw < g->KW; kw++) {
            int iw0 = kw * g->DW - g->PL;  // input column of output column 0
            int lo, hi;
            gl_tap_range(iw0, g->SW, g->W, g->OW, &lo, &hi);
            if (lo == hi) continue;
            for (int oh = 0; oh < g->OH; oh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                if (ih >= 0 && ih < g->H)
                    pool_tap_row(is_max, g->SW, x + (size_t)ih * g->W + iw0 + lo * g->SW, hi - lo, y + (size_t)oh * g->OW + lo);
            }
        }
    }
}

void gl_maxpool_plane_vec(const float *x, const gl_window *g, float *y) {
    // x (H,W), y (OH,OW)
    if (!gl_window_rows_vectorized(g)) {
        gl_maxpool_plane_ref(x, g, y);
        return;
    }
    gl_fill(y, -INFINITY, (size_t)g->OH * g->OW);
    pool_taps(1, x, g, y);
}

/* One output's gradient to the first tap (row-major) equal to its window's maximum y:
 * for outputs whose window crosses the border. */
static void maxpool_route_one(const float *x, float y, float dy, const gl_window *g, int oh, int ow, float *dx) {
    for (int kh = 0; kh < g->KH; kh++) {
        int ih = oh * g->SH - g->PT + kh * g->DH;
        for (int kw = 0; kw < g->KW && ih >= 0 && ih < g->H; kw++) {
            int iw = ow * g->SW - g->PL + kw * g->DW;
            if (iw >= 0 && iw < g->W && x[(size_t)ih * g->W + iw] == y) {
                dx[(size_t)ih * g->W + iw] += dy;
                return;
            }
        }
    }
}

static int any_nan(const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] != v[i]) return 1;
    return 0;
}

/* dxr[s*i] += g[i], i < 4, for s in {1, 2}: stride 2 adds zeros to the odd cells. */
static void add_strided(float *dxr, int s, gl_v4f g) {
    if (s == 1) {
        gl_v4f_store(dxr, gl_v4f_add(gl_v4f_load(dxr), g));
        return;
    }
    gl_v4f z = gl_v4f_zero();
    gl_v4f_store(dxr, gl_v4f_add(gl_v4f_load(dxr), gl_v4f_zip_lo(g, z)));
    gl_v4f_store(dxr + 4, gl_v4f_add(gl_v4f_load(dxr + 4), gl_v4f_zip_hi(g, z)));
}

/* Four outputs of a row at once: taps in (kh, kw) order, the first tap equal to the
 * window's maximum claims its output's gradient. Overlapping windows write the same
 * cells only from different taps, one after the other. A NaN (no tap equals it) takes
 * the reference path, which routes to the last NaN. */
void gl_maxpool_plane_backward_vec(const float *x, const float *y, const float *dy, const gl_window *g, float *dx) {
    // x (H,W), y (OH,OW), dy (OH,OW), dx (H,W)
    if (!gl_window_rows_vectorized(g) || g->DW != 1 || any_nan(y, (size_t)g->OH * g->OW)) {
        gl_maxpool_plane_backward_ref(x, dy, g, dx);
        return;
    }
    /* outputs [lo, hi) have every tap inside the row; a vector of four also reads (and
     * writes back) SW-1 cells past its last tap, which must stay inside the row too */
    int lo0, hi0, lo1, hi1;
    gl_tap_range(-g->PL, g->SW, g->W, g->OW, &lo0, &hi0);
    gl_tap_range(-g->PL + (g->KW - 1) + (g->SW - 1), g->SW, g->W, g->OW, &lo1, &hi1);
    int lo = lo0 > lo1 ? lo0 : lo1, hi = hi0 < hi1 ? hi0 : hi1;
    if (hi < lo) hi = lo;
    for (int oh = 0; oh < g->OH; oh++) {
        const float *yr = y + (size_t)oh * g->OW, *dyr = dy + (size_t)oh * g->OW;
        int ow = 0;
        for (; ow < lo; ow++) maxpool_route_one(x, yr[ow], dyr[ow], g, oh, ow, dx);
        for (; ow + 4 <= hi; ow += 4) {
            gl_v4f yv = gl_v4f_load(yr + ow), gv = gl_v4f_load(dyr + ow), zero = gl_v4f_zero();
            gl_v4m claimed = gl_v4m_none();
            for (int kh = 0; kh < g->KH; kh++) {
                int ih = oh * g->SH - g->PT + kh * g->DH;
                if (ih < 0 || ih >= g->H) continue;
                size_t at = (size_t)ih * g->W + ow * g->SW - g->PL;
                for (int kw = 0; kw < g->KW; kw++) {
                    gl_v4m hit = gl_v4m_andnot(gl_v4f_eq(load_strided(x + at + kw, g->SW), yv), claimed);
                    claimed = gl_v4m_or(claimed, hit);
                    add_strided(dx + at + kw, g->SW, gl_v4f_select(hit, gv, zero));
                }
            }
        }
        for (; ow < g->OW; ow++) maxpool_route_one(x, yr[ow], dyr[ow], g, oh, ow, dx);
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
    pool_taps(0, x, &p->win, y);
    avgpool_divide(p, y);
}
