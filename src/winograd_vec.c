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
 * The transforms run on four tiles at once, one tile per lane: a group is four
 * consecutive tiles of a band of tile rows [th0, th1), numbered t = (th - th0) * TW + tw.
 * Tile tw reads input columns 2tw-PL .. 2tw-PL+3, so lane j of four adjacent tiles of a
 * row is a stride-2 load; a group across the end of a tile row loads each row's run of
 * lanes on its own. Tiles whose window crosses the input's edge read a zero-padded
 * copy. Groups pair into panels of GL_GEMM_NR tiles: the columns of the GEMM
 * micro-kernel.
 *
 * The input transform writes each panel's tiles where the micro-kernel reads them
 * (no packing), and per panel and strip of GL_GEMM_MR output channels the 16 GEMM
 * tiles land in a 2 KB buffer that the output transform reads at once: the GEMMs'
 * products never leave L1. Written out whole, as 16 GEMMs over a band, they went
 * through L2 and beyond, and the transforms took a third of SqueezeNet's Winograd
 * time. Fused, SqueezeNet's Winograd layers take 7.5 ms forward instead of 8.4, and
 * 8.3 for the input gradients instead of 9.0 (one thread, each layer's best of 24). */
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

enum { NR = GL_GEMM_NR, MR = GL_GEMM_MR };

/* The cells of one position in one panel are C rows of NR floats, the micro-kernel's
 * B operand. Positions lie POSITION_SKEW floats further apart than that: with C * NR a
 * power of two, the input transform's 16 stores per tile group all fell into the same
 * few L1 sets (SqueezeNet's fire2 input gradient: 0.58 ms for its transforms, 0.40
 * skewed). */
enum { POSITION_SKEW = 16 };
static size_t position_stride(int C) { return (size_t)C * NR + POSITION_SKEW; }

size_t gl_winograd_input_floats(int C, size_t nt) {
    return (nt + NR - 1) / NR * 16 * position_stride(C);
}

/* Tile t's cell at position 0 of channel c; position q is q * position_stride(C) on. */
static float *cell(float *v, int C, int c, size_t t) {
    return v + (t / NR) * 16 * position_stride(C) + (size_t)c * NR + t % NR;
}

/* Lanes l of [first, last). */
static gl_v4m lanes_between(int first, int last) {
    static const float lane[4] = {0, 1, 2, 3};
    gl_v4f l = gl_v4f_load(lane);
    return gl_v4m_andnot(gl_v4f_gt(l, gl_v4f_splat(first - 0.5f)), gl_v4f_gt(l, gl_v4f_splat(last - 0.5f)));
}

/* A group is four consecutive tiles t0 .. t0+3 of the band (t0 a multiple of 4, so in
 * one panel), one per lane; where a tile row ends inside it, each row's run of lanes
 * is read on its own. Lanes past nt are zero. */

/* d[i][j], lane l: cell (i, j) of tile t0 + l, tile row tr, column tw of the band, from
 * its padded rows: pad (rows, pw), with PAD_MARGIN floats before and after, which the
 * runs' loads may touch for lanes they do not keep. */
enum { PAD_MARGIN = 16 };
static void load_group_padded(const float *pad, int pw, int TW, size_t nt, size_t t0, int tr, int tw,
                              gl_v4f d[4][4]) {
    if (tw + 4 <= TW && t0 + 4 <= nt) {
        const float *pr = pad + (size_t)(2 * tr) * pw + 2 * tw;
        for (int i = 0; i < 4; i++, pr += pw)
            for (int j = 0; j < 4; j++) d[i][j] = gl_load_taps(pr + j, 2);
        return;
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) d[i][j] = gl_v4f_zero();
    for (int l0 = 0; l0 < 4 && t0 + (size_t)l0 < nt; tr++, tw = 0) {
        int l1 = l0 + TW - tw < 4 ? l0 + TW - tw : 4;
        if (t0 + (size_t)l1 > nt) l1 = (int)(nt - t0);
        gl_v4m keep = lanes_between(l0, l1);
        const float *pr = pad + (size_t)(2 * tr) * pw + 2 * (tw - l0);  // lane l0 is tile tw
        for (int i = 0; i < 4; i++, pr += pw)
            for (int j = 0; j < 4; j++) d[i][j] = gl_v4f_select(keep, gl_load_taps(pr + j, 2), d[i][j]);
        l0 = l1;
    }
}

/* The same from the unpadded channel xc (H, W), for bands too wide for the stack:
 * stride-2 loads where the four tiles' windows lie inside the input, else cell by cell. */
static void load_group_gather(const float *xc, const gl_window *g, int TW, size_t nt, size_t t0, int th, int tw,
                              gl_v4f d[4][4]) {
    int iw0 = 2 * tw - g->PL, ih0 = 2 * th - g->PT;
    if (tw + 4 <= TW && t0 + 4 <= nt && iw0 >= 0 && iw0 + 11 <= g->W && ih0 >= 0 && ih0 + 4 <= g->H) {
        const float *xr = xc + (size_t)ih0 * g->W + iw0;  // the last stride-2 load reads iw0 + 10
        for (int i = 0; i < 4; i++, xr += g->W)
            for (int j = 0; j < 4; j++) d[i][j] = gl_load_taps(xr + j, 2);
        return;
    }
    float patch[4][4][4] = {{{0}}};  // patch (i, j, lane)
    for (int l = 0; l < 4 && t0 + (size_t)l < nt; l++, tw++) {
        if (tw == TW) th++, tw = 0;
        for (int i = 0; i < 4; i++) {
            int ih = 2 * th - g->PT + i;
            for (int j = 0; j < 4 && ih >= 0 && ih < g->H; j++) {
                int iw = 2 * tw - g->PL + j;
                if (iw >= 0 && iw < g->W) patch[i][j][l] = xc[(size_t)ih * g->W + iw];
            }
        }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) d[i][j] = gl_v4f_load(patch[i][j]);
}

/* Room on the stack for a band's padded input rows (32 KB). */
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
    // x (C, H, W), v (P, 16, C, NR) with positions position_stride(C) apart
    int TW = (g->OW + 1) / 2;
    size_t nt = (size_t)(th1 - th0) * TW, groups = (nt + NR - 1) / NR * (NR / 4), qs = position_stride(C);
    /* a padded row: a run's loads reach 2 * TW + 8 (four lanes from tile TW - 1), and
     * the input, shifted by PL, ends before OW + 3 */
    int pw = 2 * TW + 9, rows = 2 * (th1 - th0) + 2;
    float buffer[PADDED_BAND];
    int padded = rows * pw + 2 * PAD_MARGIN <= PADDED_BAND;  // else the band gathers from x
    const float *pad = buffer + PAD_MARGIN;
    if (padded) {
        gl_fill(buffer, 0.0f, PAD_MARGIN);
        gl_fill(buffer + PAD_MARGIN + rows * pw, 0.0f, PAD_MARGIN);
    }
    for (int c = c0; c < c1; c++) {
        const float *xc = x + (size_t)c * g->H * g->W;
        if (padded) pad_rows(xc, g, th0, rows, pw, buffer + PAD_MARGIN);
        int tr = 0, tw = 0;  // tile t0's row in the band and column
        for (size_t k = 0, t0 = 0; k < groups; k++, t0 += 4) {
            gl_v4f d[4][4], t[4][4];
            if (padded) load_group_padded(pad, pw, TW, nt, t0, tr, tw, d);
            else load_group_gather(xc, g, TW, nt, t0, th0 + tr, tw, d);
            for (tw += 4; tw >= TW; tw -= TW) tr++;
            for (int j = 0; j < 4; j++) {  // t = B^T d
                t[0][j] = gl_v4f_sub(d[0][j], d[2][j]);
                t[1][j] = gl_v4f_add(d[1][j], d[2][j]);
                t[2][j] = gl_v4f_sub(d[2][j], d[1][j]);
                t[3][j] = gl_v4f_sub(d[1][j], d[3][j]);
            }
            float *out = cell(v, C, c, t0);
            for (int i = 0; i < 4; i++, out += 4 * qs) {  // V = t B
                gl_v4f_store(out, gl_v4f_sub(t[i][0], t[i][2]));
                gl_v4f_store(out + qs, gl_v4f_add(t[i][1], t[i][2]));
                gl_v4f_store(out + 2 * qs, gl_v4f_sub(t[i][2], t[i][1]));
                gl_v4f_store(out + 3 * qs, gl_v4f_sub(t[i][1], t[i][3]));
            }
        }
    }
}

/* y[0 .. n) (+)= v[0 .. n), n <= 8 of a row's outputs */
static void put_row(float *y, const float *v, int n, int accumulate) {
    for (int k = 0; k < n; k++) y[k] = accumulate ? y[k] + v[k] : v[k];
}

/* One channel's 2x2 outputs of the band's tiles t0 .. t0+n-1 (n <= 4; tile row tr,
 * column tw), into ym (OH, OW): mq[q * MR * NR + l] holds position q of tile t0 + l (a
 * row of the strip's buffer). Each tile row's run of lanes is written on its own. */
static void output_tiles(const float *mq, const gl_window *g, int TW, int th0, int tr, int tw, int n, gl_v4f b,
                         float *ym, int accumulate) {
    size_t xi = (size_t)MR * NR;  // from one transformed position to the next
    gl_v4f o[2][4];
    for (int j = 0; j < 4; j++) {  // o = A^T M
        gl_v4f a0 = gl_v4f_load(mq + (0 + j) * xi), a1 = gl_v4f_load(mq + (4 + j) * xi);
        gl_v4f a2 = gl_v4f_load(mq + (8 + j) * xi), a3 = gl_v4f_load(mq + (12 + j) * xi);
        o[0][j] = gl_v4f_add(gl_v4f_add(a0, a1), a2);
        o[1][j] = gl_v4f_sub(gl_v4f_sub(a1, a2), a3);
    }
    for (int r = 0; r < 2; r++) {  // Y = o A: row r of each tile, interleaved
        gl_v4f y0 = gl_v4f_add(gl_v4f_add(gl_v4f_add(o[r][0], o[r][1]), o[r][2]), b);
        gl_v4f y1 = gl_v4f_add(gl_v4f_sub(gl_v4f_sub(o[r][1], o[r][2]), o[r][3]), b);
        gl_v4f lo = gl_v4f_zip_lo(y0, y1), hi = gl_v4f_zip_hi(y0, y1);
        int oh = 2 * (th0 + tr) + r;
        if (n == 4 && tw + 4 <= TW && 2 * tw + 8 <= g->OW) {  // one row, eight outputs
            if (oh >= g->OH) break;
            float *yr = ym + (size_t)oh * g->OW + 2 * tw;
            if (accumulate) {
                gl_v4f_store(yr, gl_v4f_add(gl_v4f_load(yr), lo));
                gl_v4f_store(yr + 4, gl_v4f_add(gl_v4f_load(yr + 4), hi));
            } else {
                gl_v4f_store(yr, lo);
                gl_v4f_store(yr + 4, hi);
            }
            continue;
        }
        float row[8];
        gl_v4f_store(row, lo);
        gl_v4f_store(row + 4, hi);
        for (int l0 = 0, rtr = tr, rtw = tw; l0 < n; rtr++, rtw = 0, oh += 2) {
            int l1 = l0 + TW - rtw < n ? l0 + TW - rtw : n;
            int cols = g->OW - 2 * rtw < 2 * (l1 - l0) ? g->OW - 2 * rtw : 2 * (l1 - l0);
            if (oh < g->OH) put_row(ym + (size_t)oh * g->OW + 2 * rtw, row + 2 * l0, cols, accumulate);
            l0 = l1;
        }
    }
}

/* Panels per block of gl_winograd_panels: a strip of output channels runs over a
 * block's panels before the next strip, so each output row is written in runs of a
 * block's tiles (strip by strip, forward SqueezeNet's fire2 took 1.12 ms, panel by
 * panel 1.34: 64 channels' rows written a few floats at a time); the block's
 * transformed input, re-read by every strip, is kept within BLOCK_FLOATS (in L2). */
enum { BLOCK_FLOATS = 1 << 16 };

void gl_winograd_panels(const float *u, int transposed, int C, int M, const float *v, int p0, int p1,
                        const gl_window *g, int th0, int th1, const float *bias, float *y, int accumulate) {
    // u (16, M, C) or, transposed, (16, C, M); v (P, 16, C, NR), skewed; y (M, OH, OW)
    int TW = (g->OW + 1) / 2;
    size_t nt = (size_t)(th1 - th0) * TW, qs = position_stride(C);
    int block = (int)(BLOCK_FLOATS / (16 * qs)) > 1 ? (int)(BLOCK_FLOATS / (16 * qs)) : 1;
    float m[16 * MR * NR];  // m (16, MR, NR): a strip's 16 products over one panel's tiles
    for (int b0 = p0; b0 < p1; b0 += block) {
        int b1 = b0 + block < p1 ? b0 + block : p1;
        for (int m0 = 0; m0 < M; m0 += MR) {
            int mr = M - m0 < MR ? M - m0 : MR;
            for (int p = b0; p < b1; p++) {
                const float *vp = v + (size_t)p * 16 * qs;  // vp (16, C, NR), positions qs apart
                for (int q = 0; q < 16; q++) {
                    const float *a = transposed ? u + (size_t)gl_winograd_flipped(q) * C * M + m0 : u + ((size_t)q * M + m0) * C;
                    gl_gemm_tile_vec(transposed, mr, C, a, transposed ? M : C, vp + q * qs, m + q * MR * NR, NR);
                }
                for (int r = 0; r < mr; r++) {
                    float *ym = y + (size_t)(m0 + r) * g->OH * g->OW;
                    gl_v4f b = gl_v4f_splat(bias ? bias[m0 + r] : 0.0f);
                    for (size_t t0 = (size_t)p * NR; t0 < (size_t)(p + 1) * NR && t0 < nt; t0 += 4) {
                        int n = nt - t0 < 4 ? (int)(nt - t0) : 4;
                        output_tiles(m + r * NR + t0 % NR, g, TW, th0, (int)(t0 / TW), (int)(t0 % TW), n, b, ym,
                                     accumulate);
                    }
                }
            }
        }
    }
}
