/* Conv: grouped and depthwise 2-D convolution, forward and gradient to the input.
 *
 * General groups run as im2col + GEMM (the GEMM is the register-blocked kernel);
 * 1x1 stride-1 unpadded convolutions skip im2col (the input already is the
 * column matrix); groups of one input channel (depthwise) use the plane kernel;
 * 3x3 stride-1 convolutions of one group run as Winograd F(2x2, 3x3), both ways.
 * The input gradient is the transposed convolution: W^T . dY (W read transposed in
 * place, gl_gemm_at_vec: no second copy of the weights), then col2im.
 * Threads split the GEMMs by columns (gl_gemm_vec), im2col, col2im and depthwise planes
 * by channel: each thread writes its own rows, so results do not depend on how many. */
#include <string.h>

#include "../ops.h"
#include "../parallel.h"
#include "../rng.h"
#include "../status.h"

typedef struct {
    gl_window win;
    int cin, cout, groups, cin_g, cout_g, kk;
    int depthwise;   /* one input channel per group */
    int pointwise;   /* 1x1, stride 1, no padding: no im2col */
    float *w;        /* (cout, cin_g*KH*KW) */
    float *bias;     /* (cout) */
    float *u;        /* (36, cout, cin): Winograd-transformed weights, or NULL: im2col + GEMM */
} conv_params;

/* 3x3, stride 1, no dilation, one group, padding at most 2 (the input gradient is then
 * a convolution padded by 2 - PT, 2 - PL), 8 or more channels each way (with fewer the
 * 36 GEMMs are too thin to gain; SqueezeNet: 16 to 512) and 16 or more 4x4 output tiles
 * in both directions. With fewer, a GEMM panel of 8 tiles is mostly padding while the
 * transformed weights, 4 times the direct ones, are streamed whole: the cs231n64 bench
 * network's 512-channel 4x4 layer took 6.8 ms forward and 19.7 backward as Winograd,
 * where its twice larger im2col neighbour took 3.0 and 3.7. */
enum { WINOGRAD_MIN_TILES = 16 };
static int winograd_tiles(int OH, int OW) { return gl_winograd_tiles_along(OH) * gl_winograd_tiles_along(OW); }
static int winograd_fits(const conv_params *p) {
    const gl_window *g = &p->win;
    return g->KH == 3 && g->KW == 3 && g->SH == 1 && g->SW == 1 && g->DH == 1 && g->DW == 1 && g->PT <= 2 &&
           g->PL <= 2 && p->groups == 1 && p->cin >= 8 && p->cout >= 8 &&
           winograd_tiles(g->OH, g->OW) >= WINOGRAD_MIN_TILES && winograd_tiles(g->H, g->W) >= WINOGRAD_MIN_TILES;
}

static gl_status conv_build(gl_build *b) {
    gl_tensor *x, *w, *bias = NULL;
    gl_status st;
    if ((st = gl_require_activation(b, 0, &x)) || (st = gl_require_const_float(b, 1, "weights", &w))) return st;
    if (gl_input(b, 2) && (st = gl_require_const_float(b, 2, "bias", &bias))) return st;
    if (x->ndim != 4 || w->ndim != 4)
        return gl_fail(GL_ERR_UNSUPPORTED, "only 2-D convolution (4-D input and weights) is supported");
    conv_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    int64_t groups = gl_attr_int(b, "group", 1), kshape[2] = {w->dims[2], w->dims[3]};
    if (gl_attr_ints(b, "kernel_shape", kshape, 2) > 2 || kshape[0] != w->dims[2] || kshape[1] != w->dims[3])
        return gl_fail(GL_ERR_MODEL, "kernel_shape does not match the weights");
    p->cin = x->dims[1];
    p->cout = w->dims[0];
    if (groups < 1 || p->cin % groups || p->cout % groups || w->dims[1] * groups != p->cin)
        return gl_fail(GL_ERR_MODEL, "weights (%d,%d,%d,%d) with group %lld do not fit %d input channels", w->dims[0],
                       w->dims[1], w->dims[2], w->dims[3], (long long)groups, p->cin);
    if (bias && bias->numel != p->cout)
        return gl_fail(GL_ERR_MODEL, "bias has %d values for %d output channels", bias->numel, p->cout);
    int pb, pr;
    if ((st = gl_spatial_window(b, x, w->dims[2], w->dims[3], 0, &p->win, &pb, &pr))) return st;
    p->groups = (int)groups;
    p->cin_g = p->cin / p->groups;
    p->cout_g = p->cout / p->groups;
    p->kk = p->win.KH * p->win.KW;
    p->depthwise = p->cin_g == 1;
    p->pointwise = p->kk == 1 && p->win.SH == 1 && p->win.SW == 1 && !p->win.PT && !p->win.PL &&
                   p->win.OH == p->win.H && p->win.OW == p->win.W;
    /* Own copies: BatchNorm folding rewrites them. */
    p->w = gl_build_alloc(b, (size_t)w->numel * sizeof(float));
    p->bias = gl_build_alloc(b, (size_t)p->cout * sizeof(float));
    if (!p->w || !p->bias) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory for conv weights");
    memcpy(p->w, w->f, (size_t)w->numel * sizeof(float));
    if (bias) memcpy(p->bias, bias->f, (size_t)p->cout * sizeof(float));
    /* filled at finalize, from the final (BatchNorm-folded) weights */
    if (winograd_fits(p)) p->u = gl_build_alloc_optional(b, (size_t)GL_WINOGRAD_POSITIONS * p->cout * p->cin * sizeof(float));
    b->node->p = p;
    int dims[4] = {1, p->cout, p->win.OH, p->win.OW};
    return gl_build_output(b, 0, 4, dims, -1);
}

void gl_conv_fold_affine(gl_node *conv, const float *a, const float *b) {
    conv_params *p = conv->p;
    int row = p->cin_g * p->kk;
    for (int oc = 0; oc < p->cout; oc++) {
        for (int k = 0; k < row; k++) p->w[(size_t)oc * row + k] *= a[oc];
        p->bias[oc] = a[oc] * p->bias[oc] + b[oc];
    }
}

static void conv_randomize(gl_node *node, gl_rng *rng) {
    conv_params *p = node->p;
    gl_rng_redraw(rng, p->w, (size_t)p->cout * p->cin_g * p->kk);
    gl_rng_redraw(rng, p->bias, (size_t)p->cout);
    if (p->u) gl_winograd_weights(p->cout, p->cin, p->w, p->u);
}

/* The input gradient of a Winograd convolution as a convolution: dY (cout, OH, OW) in,
 * dX (cin, H, W) out, the weights flipped, the padding 2 - PT, 2 - PL. */
static gl_window winograd_backward_window(const gl_window *g) {
    return (gl_window){.H = g->OH, .W = g->OW, .OH = g->H, .OW = g->W, .KH = 3, .KW = 3, .SH = 1, .SW = 1,
                       .DH = 1, .DW = 1, .PT = 2 - g->PT, .PL = 2 - g->PL};
}

/* the band's transformed input */
static uint64_t winograd_scratch(const gl_window *g, int in) {
    return gl_winograd_input_floats(in, (size_t)gl_winograd_band_rows(g, in) * (size_t)gl_winograd_tiles_along(g->OW));
}

static gl_status conv_finalize(gl_graph *g, gl_node *node, size_t *scratch) {
    (void)g;
    conv_params *p = node->p;
    int row = p->cin_g * p->kk;
    uint64_t ohw = (uint64_t)p->win.OH * p->win.OW, half = (uint64_t)p->cout_g / 2;
    if (p->depthwise) return GL_OK;
    /* Winograd: a band's transformed tiles, forward and backward; otherwise im2col
     * columns, then the sparse operands of the input gradient. In 64 bits: size_t is
     * 32-bit in wasm, where 4096 x 2^20 columns wrapped around to nothing */
    uint64_t need;
    if (p->u) {
        gl_window back = winograd_backward_window(&p->win);
        uint64_t forward = winograd_scratch(&p->win, p->cin), backward = winograd_scratch(&back, p->cout);
        need = forward > backward ? forward : backward;
        gl_winograd_weights(p->cout, p->cin, p->w, p->u);
    } else {
        need = (p->pointwise ? 0 : (uint64_t)row * ohw) + (uint64_t)p->cout_g + half * ((uint64_t)row + ohw) + 8;
    }
    if (need > SIZE_MAX / 8)
        return gl_fail(GL_ERR_OUT_OF_MEMORY, "the convolution's im2col buffer would take %llu MB",
                       (unsigned long long)(need >> 18));
    *scratch = (size_t)need;
    return GL_OK;
}

/* Work on one image split by channel: im2col, (cin_g, H, W) in, (cin_g*KK, OH*OW) out;
 * col2im, the reverse; depthwise by group, forward (cin, H, W) x in, (cout, OH, OW) y
 * out, backward dy in, dx out. The backward ones add into dx, after zeroing their
 * channels of it when they are its first writer (store): no separate pass over the
 * whole gradient, and the plane is still in cache for the adds. col2im with in NULL (no
 * live channel) only zeroes. */
typedef struct {
    const conv_params *p;
    const float *in;
    float *out;
    int store;
} conv_job;

static void im2col_channels(void *job, int c0, int c1) {
    const conv_job *j = job;
    const gl_window *g = &j->p->win;
    gl_im2col(j->in + (size_t)c0 * g->H * g->W, c1 - c0, g, j->out + (size_t)c0 * j->p->kk * g->OH * g->OW);
}

static void col2im_channels(void *job, int c0, int c1) {
    const conv_job *j = job;
    const gl_window *g = &j->p->win;
    float *dx = j->out + (size_t)c0 * g->H * g->W;
    if (j->store) gl_fill(dx, 0.0f, (size_t)(c1 - c0) * g->H * g->W);
    if (j->in) gl_col2im_add(j->in + (size_t)c0 * j->p->kk * g->OH * g->OW, c1 - c0, g, dx);
}

/* One band of a Winograd convolution: the input transform split by channel, then the
 * GEMMs and output transform split by panel or by strip of output channels. */
typedef struct {
    const gl_window *win;
    int in, out, th0, th1, panels, strips, transposed, accumulate;
    const float *x, *u, *bias;
    float *v, *y;
} winograd_band;

static void winograd_input_channels(void *job, int c0, int c1) {
    const winograd_band *j = job;
    gl_winograd_input(j->x, j->in, c0, c1, j->win, j->th0, j->th1, j->v);
}

static void winograd_output_panels(void *job, int p0, int p1) {
    const winograd_band *j = job;
    gl_winograd_panels(j->u, j->transposed, j->in, j->out, j->v, p0, p1, 0, j->strips, j->win, j->th0, j->th1, j->bias,
                       j->y, j->accumulate);
}

static void winograd_output_strips(void *job, int s0, int s1) {
    const winograd_band *j = job;
    gl_winograd_panels(j->u, j->transposed, j->in, j->out, j->v, 0, j->panels, s0, s1, j->win, j->th0, j->th1, j->bias,
                       j->y, j->accumulate);
}

/* y (out, OH, OW) (+)= the convolution of x (in, H, W) over window g, band by band.
 * u (36, out, in), or read transposed (transposed: u holds (36, in, out) and the
 * flipped positions). scratch: the band's transformed input. Threads split the GEMMs
 * and output transform by panels of tiles, each thread then reading all the weights,
 * or, where the weights outweigh the band's transformed input, by strips of output
 * channels, each reading its share of them (SqueezeNet's 13x13 layers: 2.4 MB of
 * weights for 16 tiles, and two threads streaming all of them ran 1.5x faster than
 * one). */
static void winograd_conv(const gl_window *g, int in, int out, const float *u, int transposed, const float *x,
                          const float *bias, float *y, int accumulate, float *scratch) {
    int TH = gl_winograd_tiles_along(g->OH), TW = gl_winograd_tiles_along(g->OW);
    int rows = gl_winograd_band_rows(g, in), strips = (out + GL_GEMM_MR - 1) / GL_GEMM_MR;
    for (int th0 = 0; th0 < TH; th0 += rows) {
        int th1 = th0 + rows < TH ? th0 + rows : TH;
        size_t nt = (size_t)(th1 - th0) * TW;
        int panels = (int)((nt + GL_GEMM_NR - 1) / GL_GEMM_NR);
        winograd_band band = {g, in, out, th0, th1, panels, strips, transposed, accumulate, x, u, bias, scratch, y};
        gl_parallel_for(in, 1, winograd_input_channels, &band);
        if ((uint64_t)GL_WINOGRAD_POSITIONS * out * in > gl_winograd_input_floats(in, nt))
            gl_parallel_for(strips, 1, winograd_output_strips, &band);
        else
            gl_parallel_for(panels, 1, winograd_output_panels, &band);
    }
}

/* Depthwise groups [g0, g1): one input plane each, cout_g output planes. Split by
 * group, not output channel: backward, a group's outputs all add into its one plane. */
static void dwconv_groups(void *job, int g0, int g1) {
    const conv_job *j = job;
    const conv_params *p = j->p;
    size_t hw = (size_t)p->win.H * p->win.W, ohw = (size_t)p->win.OH * p->win.OW;
    for (int oc = g0 * p->cout_g; oc < g1 * p->cout_g; oc++)
        gl_dwconv_plane_vec(j->in + oc / p->cout_g * hw, p->w + (size_t)oc * p->kk, p->bias[oc], &p->win, j->out + oc * ohw);
}

static void dwconv_backward_groups(void *job, int g0, int g1) {
    const conv_job *j = job;
    const conv_params *p = j->p;
    size_t hw = (size_t)p->win.H * p->win.W, ohw = (size_t)p->win.OH * p->win.OW;
    if (j->store) gl_fill(j->out + g0 * hw, 0.0f, (size_t)(g1 - g0) * hw);
    for (int oc = g0 * p->cout_g; oc < g1 * p->cout_g; oc++)
        gl_dwconv_plane_backward_vec(j->in + oc * ohw, p->w + (size_t)oc * p->kk, &p->win, j->out + oc / p->cout_g * hw);
}

/* col (row, OH*OW): x's columns, im2col'ed into scratch unless the conv is pointwise. */
static const float *columns(const conv_params *p, const float *x, float *scratch) {
    if (p->pointwise) return x;
    conv_job job = {p, x, scratch, 0};
    gl_parallel_for(p->cin_g, 1, im2col_channels, &job);
    return scratch;
}

static void conv_forward(const gl_node *node, const gl_exec *e) {
    const conv_params *p = node->p;
    int hw = p->win.H * p->win.W, ohw = p->win.OH * p->win.OW, row = p->cin_g * p->kk;
    for (int n = 0; n < e->N; n++) {
        const float *x = gl_value(e, node->in[0]) + (size_t)n * p->cin * hw;   /* (cin, H, W) */
        float *y = gl_value(e, node->out[0]) + (size_t)n * p->cout * ohw;       /* (cout, OH, OW) */
        if (node->class_conv && e->only_class && p->groups == 1 && !p->depthwise && !p->u) {
            /* one class's channel: the same sums, in the same order, as the full GEMM's row.
             * Depthwise and Winograd convolutions compute every channel: theirs are other
             * sums, and they have no im2col scratch */
            int c = e->only_class[n];
            gl_fill(y, 0.0f, (size_t)p->cout * ohw);
            gl_gemm_bias_vec(1, ohw, row, p->w + (size_t)c * row, row, columns(p, x, e->scratch), ohw, p->bias + c,
                             y + (size_t)c * ohw, ohw);
            continue;
        }
        if (p->depthwise) {
            conv_job job = {p, x, y, 0};
            gl_parallel_for(p->groups, 1, dwconv_groups, &job);
            continue;
        }
        if (p->u) {
            winograd_conv(&p->win, p->cin, p->cout, p->u, 0, x, p->bias, y, 0, e->scratch);
            continue;
        }
        for (int gr = 0; gr < p->groups; gr++) {
            const float *xg = x + (size_t)gr * p->cin_g * hw;
            float *yg = y + (size_t)gr * p->cout_g * ohw;
            const float *wg = p->w + (size_t)gr * p->cout_g * row;
            gl_gemm_bias_vec(p->cout_g, ohw, row, wg, row, columns(p, xg, e->scratch), ohw, p->bias + gr * p->cout_g,
                             yg, ohw);
        }
    }
}

static int all_zero(const float *v, int n) {
    for (int k = 0; k < n; k++)
        if (v[k] != 0.0f) return 0;
    return 1;
}

/* out (row, ohw) (+)= w^T (row, cout_g) . dy (cout_g, ohw), the transposed convolution,
 * over the output channels whose gradient is not all zero: from a one-hot score a
 * classifier's final convolution (1000 channels) back-propagates through one channel,
 * so gathering the live ones saves nearly all of its cost. w (cout_g, row): the group's
 * weights. Returns how many were live; with none, out is left untouched when
 * accumulating, zeroed when not.
 * scratch: cout_g + cout_g/2 * (row + ohw) floats. */
static int input_gradient(const conv_params *p, const float *w, const float *dy, int ohw, float *out, int ldo,
                          int accumulate, float *scratch) {
    int row = p->cin_g * p->kk, live = 0;
    int *keep = (int *)scratch;                                   /* (cout_g) */
    for (int o = 0; o < p->cout_g; o++)
        if (!all_zero(dy + (size_t)o * ohw, ohw)) keep[live++] = o;
    if (live * 2 > p->cout_g) {
        gl_gemm_at_vec(row, ohw, p->cout_g, w, row, dy, ohw, out, ldo, accumulate);
        return live;
    }
    if (!live) {
        for (int r = 0; r < row && !accumulate; r++) gl_fill(out + (size_t)r * ldo, 0.0f, (size_t)ohw);
        return 0;
    }
    float *a = scratch + ((p->cout_g + 3) & ~3);                  /* (live, row): the live rows of w */
    float *b = a + (size_t)row * live;                            /* (live, ohw) */
    for (int j = 0; j < live; j++) {
        memcpy(a + (size_t)j * row, w + (size_t)keep[j] * row, (size_t)row * sizeof(float));
        memcpy(b + (size_t)j * ohw, dy + (size_t)keep[j] * ohw, (size_t)ohw * sizeof(float));
    }
    gl_gemm_at_vec(row, ohw, live, a, row, b, ohw, out, ldo, accumulate);
    return live;
}

static void conv_backward(const gl_node *node, const gl_exec *e) {
    const conv_params *p = node->p;
    int hw = p->win.H * p->win.W, ohw = p->win.OH * p->win.OW, row = p->cin_g * p->kk;
    float *col = e->scratch;                                               /* (row, OH*OW) */
    float *sparse = p->pointwise ? e->scratch : e->scratch + (size_t)row * ohw;
    int accumulate = gl_grad_accumulate(node, 0);
    for (int n = 0; n < e->N; n++) {
        float *dx = gl_grad(e, node->in[0]) + (size_t)n * p->cin * hw;        /* (cin, H, W) */
        const float *dy = gl_grad(e, node->out[0]) + (size_t)n * p->cout * ohw; /* (cout, OH, OW) */
        if (p->depthwise) {
            conv_job job = {p, dy, dx, !accumulate};
            gl_parallel_for(p->groups, 1, dwconv_backward_groups, &job);
            continue;
        }
        if (p->u) {
            gl_window back = winograd_backward_window(&p->win);
            winograd_conv(&back, p->cout, p->cin, p->u, 1, dy, NULL, dx, accumulate, e->scratch);
            continue;
        }
        for (int gr = 0; gr < p->groups; gr++) {
            float *dxg = dx + (size_t)gr * p->cin_g * hw;
            const float *dyg = dy + (size_t)gr * p->cout_g * ohw;
            const float *wg = p->w + (size_t)gr * p->cout_g * row;            /* (cout_g, row) */
            if (p->pointwise) {
                input_gradient(p, wg, dyg, ohw, dxg, hw, accumulate, sparse);
            } else {
                int live = input_gradient(p, wg, dyg, ohw, col, ohw, 0, sparse);
                conv_job job = {p, live ? col : NULL, dxg, !accumulate};
                gl_parallel_for(p->cin_g, 1, col2im_channels, &job);
            }
        }
    }
}

static const char *conv_algorithm(const gl_node *node) {
    const conv_params *p = node->p;
    return p->depthwise ? "depthwise" : p->u ? "winograd" : p->pointwise ? "pointwise gemm" : "im2col+gemm";
}

/* writes_whole_grad: every path writes all of dX, pointwise and Winograd directly,
 * col2im and depthwise after zeroing their channels */
const gl_op gl_op_conv = {.name = "Conv", .build = conv_build, .finalize = conv_finalize, .forward = conv_forward,
                          .backward = conv_backward, .randomize = conv_randomize,
                          .writes_whole_grad = gl_writes_input0_grad, .algorithm = conv_algorithm};
