/* Winograd F(4x4, 3x3) (Lavin & Gray 2016) on simd.h: a 3x3 stride-1 convolution
 * computes each 4x4 block of outputs from a 6x6 input tile with 36 multiplies per
 * input-output channel pair instead of 144. The input tiles and the weights are
 * transformed (V = B^T d B, U = G g G^T), the 36 transformed positions become 36
 * GEMMs over the channels, and the outputs come back through Y = A^T M A.
 *
 * The matrices come from polynomial interpolation at the points 0, 1, -1, 2, 1/2 and
 * infinity (scripts/winograd_points.py derives and checks them). That set is closed
 * under p -> 1/p, which is what flipping the kernel does to its transform (g(x) ->
 * x^2 g(1/x)), and the rows of G are scaled so that the transform of the flipped
 * kernel is the forward one with its positions permuted (0 <-> inf, 2 <-> 1/2): the
 * input gradient, a convolution with the flipped kernel, reads the same U. (The usual
 * points 0, +-1, +-2, inf would need a second transformed copy of the weights.)
 *
 *   B^T = | 1  -5/2    0    5/2  -1  0 |   G = |  1     0     0   |   A^T = | 1 1  1 1  1   0 |
 *         | 0   1    -3/2  -3/2   1  0 |       | -1    -1    -1   |         | 0 1 -1 2  1/2 0 |
 *         | 0  -1     7/2  -7/2   1  0 |       |  1/9  -1/9   1/9 |         | 0 1  1 4  1/4 0 |
 *         | 0   1/8  -1/4  -1/8  1/4 0 |       |  4/9   8/9  16/9 |         | 0 1 -1 8  1/8 1 |
 *         | 0   2    -1    -2     1  0 |       | 16/9   8/9   4/9 |
 *         | 0  -1     5/2   0   -5/2 1 |       |  0     0     1   |
 *
 * The transforms run on four tiles at once, one tile per lane: a group is four
 * consecutive tiles of a band of tile rows [th0, th1), numbered t = (th - th0) * TW + tw.
 * Tile tw reads input columns 4tw-PL .. 4tw-PL+5: five vector loads of a row and a
 * transpose give the six cells of four adjacent tiles; a group across the end of a
 * tile row loads each row's run of lanes on its own. Tiles whose window crosses the
 * input's edge read a zero-padded copy. Groups pair into panels of GL_GEMM_NR tiles:
 * the columns of the GEMM micro-kernel.
 *
 * The input transform writes each panel's tiles where the micro-kernel reads them
 * (no packing), and per panel and strip of GL_GEMM_MR output channels the 36 GEMM
 * tiles land in a 4.5 KB buffer that the output transform reads at once: the GEMMs'
 * products never leave L1. */
#include <string.h>

#include "kernels.h"
#include "simd.h"

enum { NR = GL_GEMM_NR, MR = GL_GEMM_MR, Q = GL_WINOGRAD_POSITIONS, OUT = GL_WINOGRAD_OUT, TILE = OUT + 2 };

void gl_winograd_weights(int M, int C, const float *w, float *u) {
    // w (M, C, 3, 3), u (36, M, C)
    static const double G[TILE][3] = {{1, 0, 0},           {-1, -1, -1},         {1 / 9.0, -1 / 9.0, 1 / 9.0},
                                      {4 / 9.0, 8 / 9.0, 16 / 9.0}, {16 / 9.0, 8 / 9.0, 4 / 9.0}, {0, 0, 1}};
    for (int m = 0; m < M; m++) {
        for (int c = 0; c < C; c++) {
            const float *g = w + ((size_t)m * C + c) * 9;  // g (3, 3)
            double s[TILE][3];                               // s = G g
            for (int i = 0; i < TILE; i++)
                for (int k = 0; k < 3; k++) s[i][k] = G[i][0] * g[k] + G[i][1] * g[3 + k] + G[i][2] * g[6 + k];
            for (int i = 0; i < TILE; i++)  // U = s G^T
                for (int j = 0; j < TILE; j++)
                    u[((size_t)(i * TILE + j) * M + m) * C + c] =
                        (float)(s[i][0] * G[j][0] + s[i][1] * G[j][1] + s[i][2] * G[j][2]);
        }
    }
}

int gl_winograd_flipped(int q) {
    static const int f[TILE] = {5, 1, 2, 4, 3, 0};  // G rev(g) = rows 5, 1, 2, 4, 3, 0 of G g
    return f[q / TILE] * TILE + f[q % TILE];
}

/* The cells of one position in one panel are C rows of NR floats, the micro-kernel's
 * B operand. Positions lie POSITION_SKEW floats further apart than that: with C * NR a
 * power of two, the input transform's stores per tile group all fell into the same
 * few L1 sets (SqueezeNet's fire2 input gradient, F(2x2, 3x3): 0.58 ms for its
 * transforms, 0.40 skewed). */
enum { POSITION_SKEW = 16 };
static size_t position_stride(int C) { return (size_t)C * NR + POSITION_SKEW; }

size_t gl_winograd_input_floats(int C, size_t nt) {
    return (nt + NR - 1) / NR * Q * position_stride(C);
}

/* Room on the stack for a band's padded input rows (32 KB), and the margin before and
 * after them that the loads of a run may touch for lanes they do not keep. */
enum { PADDED_BAND = 8192, PAD_MARGIN = 16 };

/* Padded row width: the input shifted right by PL ends before 4 * TW + 3. */
static int padded_width(int TW) { return OUT * TW + 4; }

/* The band's transformed input within BAND_FLOATS (1 MB, about L2; with a quarter of
 * that SqueezeNet's input gradients of fire4 and fire5 took 10% longer, F(2x2, 3x3):
 * more bands, each padding its input rows again), and its padded rows on the stack. */
enum { BAND_FLOATS = 1 << 18 };

int gl_winograd_band_rows(const gl_window *g, int C) {
    int TH = gl_winograd_tiles_along(g->OH), TW = gl_winograd_tiles_along(g->OW);
    int rows = BAND_FLOATS / (Q * C) / TW, fit = ((PADDED_BAND - 2 * PAD_MARGIN) / padded_width(TW) - 2) / OUT;
    if (fit >= 1 && rows > fit) rows = fit;  // rows too wide for even one tile row gather from x instead
    return rows < 1 ? 1 : rows < TH ? rows : TH;
}

/* Tile t's cell at position 0 of channel c; position q is q * position_stride(C) on. */
static float *cell(float *v, int C, int c, size_t t) {
    return v + (t / NR) * Q * position_stride(C) + (size_t)c * NR + t % NR;
}

/* Lanes l of [first, last). */
static gl_v4m lanes_between(int first, int last) {
    static const float lane[4] = {0, 1, 2, 3};
    gl_v4f l = gl_v4f_load(lane);
    return gl_v4m_andnot(gl_v4f_gt(l, gl_v4f_splat(first - 0.5f)), gl_v4f_gt(l, gl_v4f_splat(last - 0.5f)));
}

/* r[j] = a[j] b[j] c[j] d[j]: the 4x4 transpose. */
static inline void transpose4(gl_v4f a, gl_v4f b, gl_v4f c, gl_v4f d, gl_v4f r[4]) {
    gl_v4f ac_lo = gl_v4f_zip_lo(a, c), ac_hi = gl_v4f_zip_hi(a, c);
    gl_v4f bd_lo = gl_v4f_zip_lo(b, d), bd_hi = gl_v4f_zip_hi(b, d);
    r[0] = gl_v4f_zip_lo(ac_lo, bd_lo);
    r[1] = gl_v4f_zip_hi(ac_lo, bd_lo);
    r[2] = gl_v4f_zip_lo(ac_hi, bd_hi);
    r[3] = gl_v4f_zip_hi(ac_hi, bd_hi);
}

/* d[j], lane l: p[4l + j], j < 6: one input row's cells of four adjacent tiles. Reads p[0 .. 20). */
static inline void load_cells(const float *p, gl_v4f d[TILE]) {
    gl_v4f a0 = gl_v4f_load(p), a1 = gl_v4f_load(p + 4), a2 = gl_v4f_load(p + 8), a3 = gl_v4f_load(p + 12),
           a4 = gl_v4f_load(p + 16);
    transpose4(a0, a1, a2, a3, d);
    gl_v4f a13 = gl_v4f_zip_lo(a1, a3), a24 = gl_v4f_zip_lo(a2, a4);  // columns 4 and 5: those of a1 .. a4
    d[4] = gl_v4f_zip_lo(a13, a24);
    d[5] = gl_v4f_zip_hi(a13, a24);
}

/* A group is four consecutive tiles t0 .. t0+3 of the band (t0 a multiple of 4, so in
 * one panel), one per lane; where a tile row ends inside it, each row's run of lanes
 * is read on its own. Lanes past nt are zero. */

/* d[i][j], lane l: cell (i, j) of tile t0 + l, tile row tr, column tw of the band, from
 * its padded rows pad (rows, pw). */
static void load_group_padded(const float *pad, int pw, int TW, size_t nt, size_t t0, int tr, int tw,
                              gl_v4f d[TILE][TILE]) {
    if (tw + 4 <= TW && t0 + 4 <= nt) {
        const float *pr = pad + (size_t)(OUT * tr) * pw + OUT * tw;
        for (int i = 0; i < TILE; i++, pr += pw) load_cells(pr, d[i]);
        return;
    }
    for (int i = 0; i < TILE; i++)
        for (int j = 0; j < TILE; j++) d[i][j] = gl_v4f_zero();
    for (int l0 = 0; l0 < 4 && t0 + (size_t)l0 < nt; tr++, tw = 0) {
        int l1 = l0 + TW - tw < 4 ? l0 + TW - tw : 4;
        if (t0 + (size_t)l1 > nt) l1 = (int)(nt - t0);
        gl_v4m keep = lanes_between(l0, l1);
        const float *pr = pad + (size_t)(OUT * tr) * pw + OUT * (tw - l0);  // lane l0 is tile tw
        for (int i = 0; i < TILE; i++, pr += pw) {
            gl_v4f row[TILE];
            load_cells(pr, row);
            for (int j = 0; j < TILE; j++) d[i][j] = gl_v4f_select(keep, row[j], d[i][j]);
        }
        l0 = l1;
    }
}

/* The same from the unpadded channel xc (H, W), for bands too wide for the stack:
 * vector loads where the four tiles' windows lie inside the input, else cell by cell. */
static void load_group_gather(const float *xc, const gl_window *g, int TW, size_t nt, size_t t0, int th, int tw,
                              gl_v4f d[TILE][TILE]) {
    int iw0 = OUT * tw - g->PL, ih0 = OUT * th - g->PT;
    if (tw + 4 <= TW && t0 + 4 <= nt && iw0 >= 0 && iw0 + 20 <= g->W && ih0 >= 0 && ih0 + TILE <= g->H) {
        const float *xr = xc + (size_t)ih0 * g->W + iw0;
        for (int i = 0; i < TILE; i++, xr += g->W) load_cells(xr, d[i]);
        return;
    }
    float patch[TILE][TILE][4] = {{{0}}};  // patch (i, j, lane)
    for (int l = 0; l < 4 && t0 + (size_t)l < nt; l++, tw++) {
        if (tw == TW) th++, tw = 0;
        for (int i = 0; i < TILE; i++) {
            int ih = OUT * th - g->PT + i;
            for (int j = 0; j < TILE && ih >= 0 && ih < g->H; j++) {
                int iw = OUT * tw - g->PL + j;
                if (iw >= 0 && iw < g->W) patch[i][j][l] = xc[(size_t)ih * g->W + iw];
            }
        }
    }
    for (int i = 0; i < TILE; i++)
        for (int j = 0; j < TILE; j++) d[i][j] = gl_v4f_load(patch[i][j]);
}

/* pad (rows, pw) = the band's input rows 4*th0 - PT ..., each shifted right by PL, zero
 * outside the input: every tile, at the borders too, then loads its cells at 4*tw + j
 * of its rows. xc (H, W): one channel. */
static void pad_rows(const float *xc, const gl_window *g, int th0, int rows, int pw, float *pad) {
    for (int r = 0; r < rows; r++, pad += pw) {
        int ih = OUT * th0 - g->PT + r;
        if (ih < 0 || ih >= g->H) {
            gl_fill(pad, 0.0f, (size_t)pw);
            continue;
        }
        gl_fill(pad, 0.0f, (size_t)g->PL);
        memcpy(pad + g->PL, xc + (size_t)ih * g->W, (size_t)g->W * sizeof(float));
        gl_fill(pad + g->PL + g->W, 0.0f, (size_t)(pw - g->PL - g->W));
    }
}

/* o = B^T d over six values */
static inline void input_1d(const gl_v4f d[TILE], gl_v4f o[TILE]) {
    gl_v4f w13 = gl_v4f_sub(d[1], d[3]), w42 = gl_v4f_sub(d[4], d[2]);
    o[0] = gl_v4f_sub(gl_v4f_sub(d[0], d[4]), gl_v4f_mul(gl_v4f_splat(2.5f), w13));
    o[1] = gl_v4f_sub(gl_v4f_add(d[1], d[4]), gl_v4f_mul(gl_v4f_splat(1.5f), gl_v4f_add(d[2], d[3])));
    o[2] = gl_v4f_add(gl_v4f_sub(d[4], d[1]), gl_v4f_mul(gl_v4f_splat(3.5f), gl_v4f_sub(d[2], d[3])));
    o[3] = gl_v4f_add(gl_v4f_mul(gl_v4f_splat(0.125f), w13), gl_v4f_mul(gl_v4f_splat(0.25f), w42));
    o[4] = gl_v4f_add(gl_v4f_add(w13, w13), w42);
    o[5] = gl_v4f_sub(gl_v4f_sub(d[5], d[1]), gl_v4f_mul(gl_v4f_splat(2.5f), w42));
}

void gl_winograd_input(const float *x, int C, int c0, int c1, const gl_window *g, int th0, int th1, float *v) {
    // x (C, H, W), v (P, 36, C, NR) with positions position_stride(C) apart
    int TW = gl_winograd_tiles_along(g->OW);
    size_t nt = (size_t)(th1 - th0) * TW, groups = (nt + NR - 1) / NR * (NR / 4), qs = position_stride(C);
    int pw = padded_width(TW), rows = OUT * (th1 - th0) + 2;
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
            gl_v4f d[TILE][TILE], t[TILE][TILE];
            if (padded) load_group_padded(pad, pw, TW, nt, t0, tr, tw, d);
            else load_group_gather(xc, g, TW, nt, t0, th0 + tr, tw, d);
            for (tw += 4; tw >= TW; tw -= TW) tr++;
            for (int j = 0; j < TILE; j++) {  // t = B^T d, column by column
                gl_v4f col[TILE], out[TILE];
                for (int i = 0; i < TILE; i++) col[i] = d[i][j];
                input_1d(col, out);
                for (int i = 0; i < TILE; i++) t[i][j] = out[i];
            }
            float *out = cell(v, C, c, t0);
            for (int i = 0; i < TILE; i++) {  // V = t B, row by row
                gl_v4f vi[TILE];
                input_1d(t[i], vi);
                for (int j = 0; j < TILE; j++) gl_v4f_store(out + (size_t)(i * TILE + j) * qs, vi[j]);
            }
        }
    }
}

/* o = A^T m: four values from six */
static inline void output_1d(const gl_v4f m[TILE], gl_v4f o[OUT]) {
    gl_v4f a = gl_v4f_add(m[1], m[2]), b = gl_v4f_sub(m[1], m[2]);
    o[0] = gl_v4f_add(gl_v4f_add(m[0], a), gl_v4f_add(m[3], m[4]));
    o[1] = gl_v4f_add(b, gl_v4f_add(gl_v4f_add(m[3], m[3]), gl_v4f_mul(gl_v4f_splat(0.5f), m[4])));
    o[2] = gl_v4f_add(a, gl_v4f_add(gl_v4f_mul(gl_v4f_splat(4.0f), m[3]), gl_v4f_mul(gl_v4f_splat(0.25f), m[4])));
    o[3] = gl_v4f_add(gl_v4f_add(b, m[5]),
                      gl_v4f_add(gl_v4f_mul(gl_v4f_splat(8.0f), m[3]), gl_v4f_mul(gl_v4f_splat(0.125f), m[4])));
}

/* y[0 .. 4) (+)= v, or only y[0 .. n) when n < 4 (the plane's last columns) */
static void put_tile_row(float *y, gl_v4f v, int n, int accumulate) {
    if (n == 4) {
        gl_v4f_store(y, accumulate ? gl_v4f_add(gl_v4f_load(y), v) : v);
        return;
    }
    float t[4];
    gl_v4f_store(t, v);
    for (int k = 0; k < n; k++) y[k] = accumulate ? y[k] + t[k] : t[k];
}

/* One channel's 4x4 outputs of the band's tiles t0 .. t0+n-1 (n <= 4; tile row tr,
 * column tw), into ym (OH, OW): mq[q * MR * NR + l] holds position q of tile t0 + l (a
 * row of the strip's buffer). */
static void output_tiles(const float *mq, size_t xi, const gl_window *g, int TW, int th0, int tr, int tw, int n,
                         gl_v4f b, float *ym, int accumulate) {
    gl_v4f o[OUT][TILE];
    for (int j = 0; j < TILE; j++) {  // o = A^T M, column by column
        gl_v4f col[TILE], out[OUT];
        for (int i = 0; i < TILE; i++) col[i] = gl_v4f_load(mq + (size_t)(i * TILE + j) * xi);
        output_1d(col, out);
        for (int r = 0; r < OUT; r++) o[r][j] = out[r];
    }
    float *at[4];  // tile t0 + l's top-left output
    int rows[4], cols[4];
    for (int l = 0; l < n; l++, tw++) {
        if (tw == TW) tr++, tw = 0;
        int oh = OUT * (th0 + tr), ow = OUT * tw;
        at[l] = ym + (size_t)oh * g->OW + ow;
        rows[l] = g->OH - oh < OUT ? g->OH - oh : OUT;
        cols[l] = g->OW - ow < OUT ? g->OW - ow : OUT;
    }
    for (int r = 0; r < OUT; r++) {  // Y = o A: row r of each tile
        gl_v4f yr[OUT], tiles[4];
        output_1d(o[r], yr);
        for (int k = 0; k < OUT; k++) yr[k] = gl_v4f_add(yr[k], b);
        transpose4(yr[0], yr[1], yr[2], yr[3], tiles);  // tiles[l]: row r of tile t0 + l
        for (int l = 0; l < n; l++)
            if (r < rows[l]) put_tile_row(at[l] + (size_t)r * g->OW, tiles[l], cols[l], accumulate);
    }
}

/* Panels per block of gl_winograd_panels: a strip of output channels runs over a
 * block's panels before the next strip, so each output row is written in runs of a
 * block's tiles (F(2x2, 3x3), strip by strip, forward SqueezeNet's fire2 took 1.12
 * ms, panel by panel 1.34: 64 channels' rows written a few floats at a time); the
 * block's transformed input, re-read by every strip, is kept within BLOCK_FLOATS (in
 * L2). */
enum { BLOCK_FLOATS = 1 << 16 };

/* Strips per group: a 64-byte line of transposed weights holds four strips' values. */
enum { GROUP = 4 };

void gl_winograd_panels(const float *u, int transposed, int C, int M, const float *v, int p0, int p1, int s0, int s1,
                        const gl_window *g, int th0, int th1, const float *bias, float *y, int accumulate) {
    // u (36, M, C) or, transposed, (36, C, M); v (P, 36, C, NR), skewed; y (M, OH, OW)
    int TW = gl_winograd_tiles_along(g->OW);
    size_t nt = (size_t)(th1 - th0) * TW, qs = position_stride(C);
    int block = (int)(BLOCK_FLOATS / (Q * qs)) > 1 ? (int)(BLOCK_FLOATS / (Q * qs)) : 1;
    float m[Q * GROUP * MR * NR];  // m (36, group, MR, NR): a group's products over one panel's tiles
    for (int b0 = p0; b0 < p1; b0 += block) {
        int b1 = b0 + block < p1 ? b0 + block : p1;
        for (int g0 = s0; g0 < s1; g0 += GROUP) {
            int gn = s1 - g0 < GROUP ? s1 - g0 : GROUP, mr[GROUP];
            const float *a[Q][GROUP];  // each strip's weights at each position
            for (int k = 0; k < gn; k++) {
                int m0 = (g0 + k) * MR;
                mr[k] = M - m0 < MR ? M - m0 : MR;
                for (int q = 0; q < Q; q++)
                    a[q][k] = transposed ? u + (size_t)gl_winograd_flipped(q) * C * M + m0 : u + ((size_t)q * M + m0) * C;
            }
            for (int p = b0; p < b1; p++) {
                const float *vp = v + (size_t)p * Q * qs;  // vp (36, C, NR), positions qs apart
                for (int q = 0; q < Q; q++)
                    gl_gemm_tiles_vec(transposed, gn, mr, C, a[q], transposed ? M : C, vp + q * qs, m + (size_t)q * gn * MR * NR);
                for (int k = 0; k < gn; k++) {
                    for (int r = 0; r < mr[k]; r++) {
                        int oc = (g0 + k) * MR + r;
                        float *ym = y + (size_t)oc * g->OH * g->OW;
                        gl_v4f b = gl_v4f_splat(bias ? bias[oc] : 0.0f);
                        for (size_t t0 = (size_t)p * NR; t0 < (size_t)(p + 1) * NR && t0 < nt; t0 += 4) {
                            int n = nt - t0 < 4 ? (int)(nt - t0) : 4;
                            output_tiles(m + (size_t)(k * MR + r) * NR + t0 % NR, (size_t)gn * MR * NR, g, TW, th0,
                                         (int)(t0 / TW), (int)(t0 % TW), n, b, ym, accumulate);
                        }
                    }
                }
            }
        }
    }
}
