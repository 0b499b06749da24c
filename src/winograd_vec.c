/* Winograd F(2x2, 3x3) (Lavin & Gray 2016) on simd.h: a 3x3 stride-1 convolution
 * computes each 2x2 block of outputs from a 4x4 input tile with 16 multiplies per
 * input-output channel pair instead of 36. The input tiles and the weights are
 * transformed (V = B^T d B, U = G g G^T), the 16 transformed positions become 16
 * GEMMs over the channels, and the outputs come back through Y = A^T M A:
 *
 *   B^T = | 1  0 -1  0 |    G = | 1    0    0  |    A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |        | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
 *         | 0 -1  1  0 |        | 1/2 -1/2  1/2 |
 *         | 0  1  0 -1 |        | 0    0    1  |
 *
 * The transforms run on four tiles of a tile row at once, one tile per lane: tile tw
 * reads input columns 2tw-PL .. 2tw-PL+3, so lane j of four adjacent tiles is a
 * stride-2 load. Tiles whose window crosses the input's edge read a zero-padded copy.
 * Tiles are numbered t = (th - th0) * TW + tw within a band of tile rows [th0, th1). */
#include <string.h>

#include "kernels.h"
#include "simd.h"
#include "window_rows.h"

void gl_winograd_weights(int M, int C, const float *w, float *u) {
    // w (M, C, 3, 3), u (16, M, C)
    for (int m = 0; m < M; m++) {
        for (int c = 0; c < C; c++) {
            const float *g = w + ((size_t)m * C + c) * 9;  // g (3, 3)
            float s[4][3];                                  // s = G g
            for (int k = 0; k < 3; k++) {
                s[0][k] = g[k];
                s[1][k] = 0.5f * (g[k] + g[3 + k] + g[6 + k]);
                s[2][k] = 0.5f * (g[k] - g[3 + k] + g[6 + k]);
                s[3][k] = g[6 + k];
            }
            for (int i = 0; i < 4; i++) {  // U = s G^T
                float r[4] = {s[i][0], 0.5f * (s[i][0] + s[i][1] + s[i][2]), 0.5f * (s[i][0] - s[i][1] + s[i][2]), s[i][2]};
                for (int j = 0; j < 4; j++) u[((size_t)(i * 4 + j) * M + m) * C + c] = r[j];
            }
        }
    }
}

int gl_winograd_flipped(int q) {
    static const int f[4] = {3, 1, 2, 0};  // G rev(g) = rows 3, 1, 2, 0 of G g
    return f[q / 4] * 4 + f[q % 4];
}

/* p[0 .. n) = v's first n lanes */
static void store_lanes(float *p, gl_v4f v, int n) {
    if (n == 4) {
        gl_v4f_store(p, v);
        return;
    }
    float t[4];
    gl_v4f_store(t, v);
    for (int l = 0; l < n; l++) p[l] = t[l];
}

/* p[0 .. n) in the first n lanes, zeros after: never reads past n */
static gl_v4f load_lanes(const float *p, int n) {
    if (n == 4) return gl_v4f_load(p);
    float t[4] = {0, 0, 0, 0};
    for (int l = 0; l < n; l++) t[l] = p[l];
    return gl_v4f_load(t);
}

/* d[i][j], lane l: x[ih0 + i, 2(tw + l) - PL + j] of tiles tw .. tw+n-1, zero outside the
 * input and in lanes past n. xc (H, W): one channel. */
static void load_tiles(const float *xc, const gl_window *g, int ih0, int tw, int n, gl_v4f d[4][4]) {
    int iw0 = 2 * tw - g->PL;
    int inside = n == 4 && iw0 >= 0 && iw0 + 11 <= g->W;  // the last stride-2 load reads iw0 + 10
    float patch[4][4][4];                                 // patch (i, j, lane)
    for (int i = 0; i < 4; i++) {
        int ih = ih0 + i;
        if (ih < 0 || ih >= g->H) {
            for (int j = 0; j < 4; j++) d[i][j] = gl_v4f_zero();
            continue;
        }
        const float *xr = xc + (size_t)ih * g->W;
        if (inside) {
            for (int j = 0; j < 4; j++) d[i][j] = gl_load_taps(xr + iw0 + j, 2);
            continue;
        }
        for (int j = 0; j < 4; j++) {
            for (int l = 0; l < 4; l++) {
                int iw = iw0 + 2 * l + j;
                patch[i][j][l] = l < n && iw >= 0 && iw < g->W ? xr[iw] : 0.0f;
            }
            d[i][j] = gl_v4f_load(patch[i][j]);
        }
    }
}

/* Room on the stack for a band's input rows with their padding (32 KB). */
enum { PADDED_BAND = 8192 };

/* pad (rows, pw) = the band's input rows 2*th0 - PT ..., each shifted right by PL, zero
 * outside the input: every tile, at the borders too, then loads its 4 x 4 cells as
 * stride-2 vectors at 2*tw + j of its rows. xc (H, W): one channel. */
static void pad_rows(const float *xc, const gl_window *g, int th0, int rows, int pw, float *pad) {
    for (int r = 0; r < rows; r++, pad += pw) {
        int ih = 2 * th0 - g->PT + r;
        if (ih < 0 || ih >= g->H) {
            gl_fill(pad, 0.0f, (size_t)pw);
            continue;
        }
        gl_fill(pad, 0.0f, (size_t)g->PL);
        memcpy(pad + g->PL, xc + (size_t)ih * g->W, (size_t)g->W * sizeof(float));
        gl_fill(pad + g->PL + g->W, 0.0f, (size_t)(pw - g->PL - g->W));
    }
}

void gl_winograd_input(const float *x, int C, int c0, int c1, const gl_window *g, int th0, int th1, float *v) {
    // x (C, H, W), v (16, C, nt)
    int TW = (g->OW + 1) / 2;
    size_t nt = (size_t)(th1 - th0) * TW;
    /* a padded row: the last group's loads reach 2 * (TW rounded up to 4) + 2, and the
     * input, shifted by PL, ends before OW + 3 */
    int pw = 2 * ((TW + 3) / 4 * 4) + 3, rows = 2 * (th1 - th0) + 2;
    float pad[PADDED_BAND];
    int padded = rows * pw <= PADDED_BAND;  // else tiles at the borders gather their cells
    for (int c = c0; c < c1; c++) {
        const float *xc = x + (size_t)c * g->H * g->W;
        if (padded) pad_rows(xc, g, th0, rows, pw, pad);
        for (int th = th0; th < th1; th++) {
            for (int tw = 0; tw < TW; tw += 4) {
                int n = TW - tw < 4 ? TW - tw : 4;
                gl_v4f d[4][4], t[4][4];
                if (padded) {
                    const float *pr = pad + (size_t)(2 * (th - th0)) * pw + 2 * tw;
                    for (int i = 0; i < 4; i++, pr += pw)
                        for (int j = 0; j < 4; j++) d[i][j] = gl_load_taps(pr + j, 2);
                } else {
                    load_tiles(xc, g, 2 * th - g->PT, tw, n, d);
                }
                for (int j = 0; j < 4; j++) {  // t = B^T d
                    t[0][j] = gl_v4f_sub(d[0][j], d[2][j]);
                    t[1][j] = gl_v4f_add(d[1][j], d[2][j]);
                    t[2][j] = gl_v4f_sub(d[2][j], d[1][j]);
                    t[3][j] = gl_v4f_sub(d[1][j], d[3][j]);
                }
                float *out = v + (size_t)c * nt + (size_t)(th - th0) * TW + tw;
                size_t xi = (size_t)C * nt;  // from one transformed position to the next
                for (int i = 0; i < 4; i++) {  // V = t B
                    store_lanes(out + (4 * i + 0) * xi, gl_v4f_sub(t[i][0], t[i][2]), n);
                    store_lanes(out + (4 * i + 1) * xi, gl_v4f_add(t[i][1], t[i][2]), n);
                    store_lanes(out + (4 * i + 2) * xi, gl_v4f_sub(t[i][2], t[i][1]), n);
                    store_lanes(out + (4 * i + 3) * xi, gl_v4f_sub(t[i][1], t[i][3]), n);
                }
            }
        }
    }
}

/* y[0 .. n) (+)= v[0 .. n), n <= 8 of a row's outputs */
static void put_row(float *y, const float *v, int n, int accumulate) {
    for (int k = 0; k < n; k++) y[k] = accumulate ? y[k] + v[k] : v[k];
}

void gl_winograd_output(const float *mt, int M, int m0, int m1, const gl_window *g, int th0, int th1,
                        const float *bias, float *y, int accumulate) {
    // mt (16, M, nt), y (M, OH, OW)
    int TW = (g->OW + 1) / 2;
    size_t nt = (size_t)(th1 - th0) * TW, xi = (size_t)M * nt;
    for (int m = m0; m < m1; m++) {
        float *ym = y + (size_t)m * g->OH * g->OW;
        gl_v4f b = gl_v4f_splat(bias ? bias[m] : 0.0f);
        for (int th = th0; th < th1; th++) {
            for (int tw = 0; tw < TW; tw += 4) {
                int n = TW - tw < 4 ? TW - tw : 4;
                const float *in = mt + (size_t)m * nt + (size_t)(th - th0) * TW + tw;
                gl_v4f o[2][4];
                for (int j = 0; j < 4; j++) {  // o = A^T M
                    gl_v4f a0 = load_lanes(in + (0 + j) * xi, n), a1 = load_lanes(in + (4 + j) * xi, n);
                    gl_v4f a2 = load_lanes(in + (8 + j) * xi, n), a3 = load_lanes(in + (12 + j) * xi, n);
                    o[0][j] = gl_v4f_add(gl_v4f_add(a0, a1), a2);
                    o[1][j] = gl_v4f_sub(gl_v4f_sub(a1, a2), a3);
                }
                for (int r = 0; r < 2 && 2 * th + r < g->OH; r++) {  // Y = o A, then interleaved
                    gl_v4f y0 = gl_v4f_add(gl_v4f_add(gl_v4f_add(o[r][0], o[r][1]), o[r][2]), b);
                    gl_v4f y1 = gl_v4f_add(gl_v4f_sub(gl_v4f_sub(o[r][1], o[r][2]), o[r][3]), b);
                    gl_v4f lo = gl_v4f_zip_lo(y0, y1), hi = gl_v4f_zip_hi(y0, y1);
                    float *yr = ym + (size_t)(2 * th + r) * g->OW + 2 * tw;
                    int cols = g->OW - 2 * tw < 8 ? g->OW - 2 * tw : 8;
                    if (cols == 8 && accumulate) {
                        gl_v4f_store(yr, gl_v4f_add(gl_v4f_load(yr), lo));
                        gl_v4f_store(yr + 4, gl_v4f_add(gl_v4f_load(yr + 4), hi));
                    } else if (cols == 8) {
                        gl_v4f_store(yr, lo);
                        gl_v4f_store(yr + 4, hi);
                    } else {
                        float t[8];
                        gl_v4f_store(t, lo);
                        gl_v4f_store(t + 4, hi);
                        put_row(yr, t, cols, accumulate);
                    }
                }
            }
        }
    }
}
