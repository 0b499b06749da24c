/* Depthwise convolution of one plane on simd.h, vectorized along the output row
 * (window_rows.h). Stride 2 reads pairs of vectors and keeps the even lanes; backward
 * stride 2 interleaves the products with zeros. */
#include "kernels.h"
#include "simd.h"
#include "window_rows.h"

/* y (n) += a * x[2i]. The vector step reads x[2i .. 2i+7]; x[2i+7] lies one past the
 * last element the tap may touch, so the vector loop stops one step early. */
static void axpy_from_even(float a, const float *x, int n, float *y) {
    gl_v4f va = gl_v4f_splat(a);
    int i = 0;
    for (; i + 5 <= n; i += 4) {
        gl_v4f xe = gl_v4f_even(gl_v4f_load(x + 2 * i), gl_v4f_load(x + 2 * i + 4));
        gl_v4f_store(y + i, gl_v4f_add(gl_v4f_load(y + i), gl_v4f_mul(va, xe)));
    }
    for (; i < n; i++) y[i] += a * x[2 * i];
}

/* dx[2i] += a * dy[i], the adjoint of axpy_from_even: the products are interleaved with
 * zeros, so the odd dx lanes in between are rewritten unchanged (same bound as above). */
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

/* Both directions share the loops: taps outermost, so each tap's column range is computed
 * once, then every output row whose input row is in bounds. Forward, y (OH,OW) += w * x (H,W)
 * rows; backward, dx (H,W) += w * dy (OH,OW) rows. Each output still receives its taps in
 * (kh, kw) order: the reference's summation order. */
static void dwconv_taps(int backward, const float *w, const gl_window *g, const float *in, float *out) {
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
                if (!backward && g->SW == 1) gl_axpy_vec(a, in + xo, (size_t)(hi - lo), out + yo);
                else if (!backward) axpy_from_even(a, in + xo, hi - lo, out + yo);
                else if (g->SW == 1) gl_axpy_vec(a, in + yo, (size_t)(hi - lo), out + xo);
                else axpy_to_even(a, in + yo, hi - lo, out + xo);
            }
        }
    }
}

void gl_dwconv_plane_vec(const float *x, const float *w, float bias, const gl_window *g, float *y) {
    // x (H,W), w (KH,KW), y (OH,OW)
    if (!gl_window_rows_vectorized(g)) {
        gl_dwconv_plane_ref(x, w, bias, g, y);
        return;
    }
    gl_fill(y, bias, (size_t)g->OH * g->OW);
    dwconv_taps(0, w, g, x, y);
}

void gl_dwconv_plane_backward_vec(const float *dy, const float *w, const gl_window *g, float *dx) {
    // dy (OH,OW), w (KH,KW), dx (H,W)
    if (!gl_window_rows_vectorized(g)) gl_dwconv_plane_backward_ref(dy, w, g, dx);
    else dwconv_taps(1, w, g, dy, dx);
}
