/* LRN, local response normalization across channels (AlexNet and GoogLeNet as first
 * published, Caffe-era exports): with s_c = bias + alpha / size * sum of x_c'^2 over
 * the channels c' within the window around c, y_c = x_c * s_c^-beta. The window
 * spans floor((size-1)/2) channels before c and ceil((size-1)/2) after. Rare and
 * cheap next to the convolutions: plain loops over one image at a time, with s (and,
 * backward, u) in the scratch buffer. */
#include <math.h>

#include "../ops.h"
#include "../status.h"

typedef struct {
    int channels, plane;     /* x (C, plane) per image */
    int before, after;       /* the window: channels c - before .. c + after */
    float alpha, beta, bias; /* alpha already divided by size */
} lrn_params;

static gl_status lrn_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    int64_t size = gl_attr_int(b, "size", 0);
    if (x->ndim < 2) return gl_fail(GL_ERR_MODEL, "input '%s' has no channel dimension", x->name);
    if (size < 1 || size > 1024) return gl_fail(GL_ERR_MODEL, "size %lld is not a window size", (long long)size);
    lrn_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    p->channels = x->dims[1];
    p->plane = x->numel / x->dims[1];
    p->before = (int)(size - 1) / 2;
    p->after = (int)size - 1 - p->before;
    p->alpha = gl_attr_float(b, "alpha", 1e-4f) / (float)size;
    p->beta = gl_attr_float(b, "beta", 0.75f);
    p->bias = gl_attr_float(b, "bias", 1.0f);
    if (!(p->bias > 0.0f) || !(p->alpha >= 0.0f)) return gl_fail(GL_ERR_MODEL, "bias must be positive, alpha not negative");
    b->node->p = p;
    return gl_build_output(b, 0, x->ndim, x->dims, -1);
}

static gl_status lrn_finalize(gl_graph *g, gl_node *node, size_t *scratch) {
    (void)g;
    const lrn_params *p = node->p;
    *scratch = 2 * (size_t)p->channels * p->plane;   /* s and u, one image */
    return GL_OK;
}

/* s (C, plane) for one image x (C, plane). */
static void lrn_scale(const lrn_params *p, const float *x, float *s) {
    for (int c = 0; c < p->channels; c++) {
        float *sc = s + (size_t)c * p->plane;
        gl_fill(sc, 0.0f, (size_t)p->plane);
        int lo = c - p->before < 0 ? 0 : c - p->before, hi = c + p->after >= p->channels ? p->channels - 1 : c + p->after;
        for (int k = lo; k <= hi; k++) gl_mul_add_vec(x + (size_t)k * p->plane, x + (size_t)k * p->plane, (size_t)p->plane, sc);
        gl_affine_vec(sc, p->alpha, p->bias, (size_t)p->plane, sc);
    }
}

static void lrn_forward(const gl_node *node, const gl_exec *e) {
    const lrn_params *p = node->p;
    size_t numel = (size_t)p->channels * p->plane;
    for (int n = 0; n < e->N; n++) {
        const float *x = gl_value(e, node->in[0]) + n * numel;   /* (C, plane) */
        float *y = gl_value(e, node->out[0]) + n * numel, *s = e->scratch;
        lrn_scale(p, x, s);
        for (size_t i = 0; i < numel; i++) y[i] = x[i] * powf(s[i], -p->beta);
    }
}

/* dx_c += dy_c s_c^-beta - 2 alpha beta x_c sum over the c' whose window holds c of
 * u_c', with u = dy x s^(-beta-1). */
static void lrn_backward(const gl_node *node, const gl_exec *e) {
    const lrn_params *p = node->p;
    size_t numel = (size_t)p->channels * p->plane, plane = (size_t)p->plane;
    for (int n = 0; n < e->N; n++) {
        const float *x = gl_value(e, node->in[0]) + n * numel, *dy = gl_grad(e, node->out[0]) + n * numel;
        float *dx = gl_grad(e, node->in[0]) + n * numel, *s = e->scratch, *u = e->scratch + numel;
        lrn_scale(p, x, s);
        for (size_t i = 0; i < numel; i++) {
            u[i] = dy[i] * x[i] * powf(s[i], -p->beta - 1.0f);
            dx[i] += dy[i] * powf(s[i], -p->beta);
        }
        for (int c = 0; c < p->channels; c++) {
            /* c is in the window of c' for c' from c - after to c + before */
            int lo = c - p->after < 0 ? 0 : c - p->after, hi = c + p->before >= p->channels ? p->channels - 1 : c + p->before;
            float *dxc = dx + (size_t)c * plane;
            const float *xc = x + (size_t)c * plane;
            for (int k = lo; k <= hi; k++)
                for (size_t i = 0; i < plane; i++) dxc[i] -= 2.0f * p->alpha * p->beta * xc[i] * u[(size_t)k * plane + i];
        }
    }
}

const gl_op gl_op_lrn = {.name = "LRN", .build = lrn_build, .finalize = lrn_finalize, .forward = lrn_forward, .backward = lrn_backward};
