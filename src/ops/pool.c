/* MaxPool, AveragePool and GlobalAveragePool over 2-D planes. */
#include "../ops.h"
#include "../status.h"

typedef struct {
    gl_avgpool_geom geom;    /* geom.win serves max pooling too */
    int planes;              /* channels per image */
} pool_params;

static gl_status pool_build(gl_build *b, int is_max) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    if (b->node->nout > 1 && b->node->out[1] >= 0)
        return gl_fail(GL_ERR_UNSUPPORTED, "the Indices output of MaxPool is not supported");
    int64_t kshape[2];
    if (gl_attr_ints(b, "kernel_shape", kshape, 2) != 2)
        return gl_fail(GL_ERR_UNSUPPORTED, "kernel_shape must give 2 dimensions (2-D pooling)");
    if (kshape[0] < 1 || kshape[1] < 1 || kshape[0] > 1024 || kshape[1] > 1024)
        return gl_fail(GL_ERR_MODEL, "kernel_shape is invalid");
    pool_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    if ((st = gl_spatial_window(b, x, (int)kshape[0], (int)kshape[1], 1, &p->geom.win, &p->geom.PB, &p->geom.PR)))
        return st;
    if (p->geom.win.DH != 1 || p->geom.win.DW != 1) return gl_fail(GL_ERR_UNSUPPORTED, "dilated pooling is not supported");
    if (is_max && gl_attr_int(b, "storage_order", 0)) return gl_fail(GL_ERR_UNSUPPORTED, "storage_order 1 is not supported");
    p->geom.count_include_pad = (int)gl_attr_int(b, "count_include_pad", 0);
    p->planes = x->dims[1];
    b->node->p = p;
    int dims[4] = {1, x->dims[1], p->geom.win.OH, p->geom.win.OW};
    return gl_build_output(b, 0, 4, dims, -1);
}

static gl_status maxpool_build(gl_build *b) { return pool_build(b, 1); }
static gl_status avgpool_build(gl_build *b) { return pool_build(b, 0); }

static size_t in_plane(const pool_params *p) { return (size_t)p->geom.win.H * p->geom.win.W; }
static size_t out_plane(const pool_params *p) { return (size_t)p->geom.win.OH * p->geom.win.OW; }

static void maxpool_forward(const gl_node *node, const gl_exec *e) {
    const pool_params *p = node->p;
    const float *x = gl_value(e, node->in[0]);   /* (N*C, H, W) */
    float *y = gl_value(e, node->out[0]);        /* (N*C, OH, OW) */
    for (int k = 0; k < e->N * p->planes; k++) gl_maxpool_plane_vec(x + k * in_plane(p), &p->geom.win, y + k * out_plane(p));
}

static void maxpool_backward(const gl_node *node, const gl_exec *e) {
    const pool_params *p = node->p;
    const float *x = gl_value(e, node->in[0]), *dy = gl_grad(e, node->out[0]);
    float *dx = gl_grad(e, node->in[0]);
    for (int k = 0; k < e->N * p->planes; k++)
        gl_maxpool_plane_backward(x + k * in_plane(p), dy + k * out_plane(p), &p->geom.win, dx + k * in_plane(p));
}

static void avgpool_forward(const gl_node *node, const gl_exec *e) {
    const pool_params *p = node->p;
    const float *x = gl_value(e, node->in[0]);   /* (N*C, H, W) */
    float *y = gl_value(e, node->out[0]);        /* (N*C, OH, OW) */
    for (int k = 0; k < e->N * p->planes; k++) gl_avgpool_plane_vec(x + k * in_plane(p), &p->geom, y + k * out_plane(p));
}

static void avgpool_backward(const gl_node *node, const gl_exec *e) {
    const pool_params *p = node->p;
    const float *dy = gl_grad(e, node->out[0]);
    float *dx = gl_grad(e, node->in[0]);
    for (int k = 0; k < e->N * p->planes; k++) gl_avgpool_plane_backward(dy + k * out_plane(p), &p->geom, dx + k * in_plane(p));
}

/* ---- GlobalAveragePool: (C, H, W) -> (C, 1, 1) --------------------------- */
static gl_status gap_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    if (x->ndim < 3) return gl_fail(GL_ERR_MODEL, "input '%s' has no spatial dimensions", x->name);
    int dims[GL_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++) dims[d] = d < 2 ? x->dims[d] : 1;
    return gl_build_output(b, 0, x->ndim, dims, -1);
}

static void gap_forward(const gl_node *node, const gl_exec *e) {
    const gl_tensor *x = gl_t(e, node->in[0]);
    int planes = x->dims[1] * e->N, size = x->numel / x->dims[1];
    const float *in = gl_value(e, node->in[0]);   /* (N*C, size) */
    float *out = gl_value(e, node->out[0]);       /* (N*C) */
    for (int k = 0; k < planes; k++) out[k] = gl_sum_vec(in + (size_t)k * size, (size_t)size) / (float)size;
}

static void gap_backward(const gl_node *node, const gl_exec *e) {
    const gl_tensor *x = gl_t(e, node->in[0]);
    int planes = x->dims[1] * e->N, size = x->numel / x->dims[1];
    const float *dy = gl_grad(e, node->out[0]);
    float *dx = gl_grad(e, node->in[0]);
    for (int k = 0; k < planes; k++) {
        float *d = dx + (size_t)k * size;
        gl_affine_vec(d, 1.0f, dy[k] / (float)size, (size_t)size, d);
    }
}

const gl_op gl_op_maxpool = {.name = "MaxPool", .build = maxpool_build, .forward = maxpool_forward, .backward = maxpool_backward};
const gl_op gl_op_avgpool = {.name = "AveragePool", .build = avgpool_build, .forward = avgpool_forward, .backward = avgpool_backward};
const gl_op gl_op_global_avgpool = {.name = "GlobalAveragePool", .build = gap_build, .forward = gap_forward, .backward = gap_backward};
