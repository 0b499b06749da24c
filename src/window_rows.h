/* Helpers shared by the kernels that walk a window row by row (im2col/col2im in
 * kernels_ref.c, dwconv_vec.c, pool_vec.c). They loop over window taps and, per tap, over
 * the run of output columns whose input column is in bounds, so the inner loop needs no
 * bounds tests and padding costs nothing. */
#ifndef GL_WINDOW_ROWS_H
#define GL_WINDOW_ROWS_H

#include "kernels.h"
#include "simd.h"

/* The row kernels vectorize horizontal strides 1 and 2 (2 with an even-lane shuffle), and
 * only gain on rows of at least a vector: everything else takes the reference path. */
static inline int gl_window_rows_vectorized(const gl_window *g) { return g->SW <= 2 && g->OW >= 4; }

/* Outputs o in [*lo, *hi), a sub-range of [0, n_out), whose input index
 * start + o*stride lies in [0, n_in). */
static inline void gl_tap_range(int start, int stride, int n_in, int n_out, int *lo, int *hi) {
    int l = start >= 0 ? 0 : (-start + stride - 1) / stride;
    int h = start >= n_in ? 0 : (n_in - 1 - start) / stride + 1;
    *lo = l < n_out ? l : n_out;
    *hi = h < *lo ? *lo : h < n_out ? h : n_out;
}

/* x[0], x[s], x[2s], x[3s] for s in {1, 2}. Stride 2 reads x[0..7]: one past the last. */
static inline gl_v4f gl_load_taps(const float *x, int s) {
    return s == 1 ? gl_v4f_load(x) : gl_v4f_even(gl_v4f_load(x), gl_v4f_load(x + 4));
}

#endif
