/* MaxPool, AveragePool and GlobalMaxPool over 2-D planes; GlobalAveragePool and
 * ReduceMean, means over contiguous axes. */
#include "../ops.h"
#include "../parallel.h"
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

/* One pass over the planes of a chunk, split across threads by plane. x, dx (N*C, H, W);
 * y, dy (N*C, OH, OW). */
typedef enum { MAX_FORWARD, MAX_BACKWARD, AVG_FORWARD, AVG_BACKWARD } pool_pass;
typedef struct {
    const pool_params *p;
    pool_pass pass;
    const float *x, *y, *dy;
    float *out;
} pool_job;

static void pool_planes(void *job, int k0, int k1) {
    const pool_job *j = job;
    const pool_params *p = j->p;
    for (size_t k = (size_t)k0; k < (size_t)k1; k++) {
        size_t in = k * in_plane(p), out = k * out_plane(p);
        switch (j->pass) {
        case MAX_FORWARD: gl_maxpool_plane_vec(j->x + in, &p->geom.win, j->out + out); break;
        case MAX_BACKWARD: gl_maxpool_plane_backward_vec(j->x + in, j->y + out, j->dy + out, &p->geom.win, j->out + in); break;
        case AVG_FORWARD: gl_avgpool_plane_vec(j->x + in, &p->geom, j->out + out); break;
        case AVG_BACKWARD: gl_avgpool_plane_backward(j->dy + out, &p->geom, j->out + in); break;
        }
    }
}

static void pool_run(const gl_node *node, const gl_exec *e, pool_pass pass) {
    int backward = pass == MAX_BACKWARD || pass == AVG_BACKWARD;
    pool_job job = {node->p, pass, gl_value(e, node->in[0]), gl_value(e, node->out[0]), gl_grad(e, node->out[0]),
                    backward ? gl_grad(e, node->in[0]) : gl_value(e, node->out[0])};
    gl_parallel_for(e->N * job.p->planes, 1, pool_planes, &job);
}

static void maxpool_forward(const gl_node *node, const gl_exec *e) { pool_run(node, e, MAX_FORWARD); }
static void maxpool_backward(const gl_node *node, const gl_exec *e) { pool_run(node, e, MAX_BACKWARD); }
static void avgpool_forward(const gl_node *node, const gl_exec *e) { pool_run(node, e, AVG_FORWARD); }
static void avgpool_backward(const gl_node *node, const gl_exec *e) { pool_run(node, e, AVG_BACKWARD); }

/* GlobalMaxPool: one window over the whole plane, run by the max pool kernels. */
static gl_status global_maxpool_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    if (x->ndim != 4) return gl_fail(GL_ERR_UNSUPPORTED, "only 2-D (NCHW) pooling is supported; input '%s' has %d dimensions", x->name, x->ndim);
    pool_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    int H = x->dims[2], W = x->dims[3];
    p->geom.win = (gl_window){.H = H, .W = W, .OH = 1, .OW = 1, .KH = H, .KW = W, .SH = 1, .SW = 1, .DH = 1, .DW = 1};
    p->planes = x->dims[1];
    b->node->p = p;
    int dims[4] = {1, x->dims[1], 1, 1};
    return gl_build_output(b, 0, 4, dims, -1);
}

/* ---- means: GlobalAveragePool and ReduceMean ------------------------------ */
/* y (rows, inner) = the mean over k of x (rows, size, inner), per image: the reduced
 * axes are contiguous. GlobalAveragePool: rows C, size H*W, inner 1. */
typedef struct {
    int rows, size, inner;
} mean_params;

/* Declares the mean over axes [first, last] of x (keepdims: as extents of 1). */
static gl_status mean_output(gl_build *b, const gl_tensor *x, int first, int last, int keepdims) {
    mean_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    int dims[GL_MAX_DIMS], ndim = 0;
    p->rows = p->size = p->inner = 1;
    for (int d = 0; d < x->ndim; d++) {
        int reduced = d >= first && d <= last;
        *(d < first ? &p->rows : reduced ? &p->size : &p->inner) *= x->dims[d];
        if (!reduced || keepdims) dims[ndim++] = reduced ? 1 : x->dims[d];
    }
    b->node->p = p;
    return gl_build_output(b, 0, ndim, dims, -1);
}

static gl_status gap_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    if (x->ndim < 3) return gl_fail(GL_ERR_MODEL, "input '%s' has no spatial dimensions", x->name);
    return mean_output(b, x, 2, x->ndim - 1, 1);
}

/* ReduceMean over non-batch axes that are contiguous (spatial means, x.mean([2, 3]));
 * axes from the attribute before opset 18, then from input 1. */
static gl_status reduce_mean_build(gl_build *b) {
    gl_tensor *x;
    int axes[GL_MAX_DIMS], n;
    gl_status st;
    if ((st = gl_require_activation(b, 0, &x)) || (st = gl_axes(b, 18, 1, x->ndim, axes, &n))) return st;
    if (n <= 0) return gl_fail(GL_ERR_UNSUPPORTED, "ReduceMean over every axis would average over the batch");
    int first = axes[0], last = axes[0];
    for (int j = 1; j < n; j++) {
        first = axes[j] < first ? axes[j] : first;
        last = axes[j] > last ? axes[j] : last;
    }
    if (first == 0) return gl_fail(GL_ERR_UNSUPPORTED, "ReduceMean over axis 0 would average over the batch");
    if (last - first + 1 != n) return gl_fail(GL_ERR_UNSUPPORTED, "ReduceMean over non-contiguous axes is not supported");
    return mean_output(b, x, first, last, (int)gl_attr_int(b, "keepdims", 1));
}

static void mean_forward(const gl_node *node, const gl_exec *e) {
    const mean_params *p = node->p;
    const float *x = gl_value(e, node->in[0]);   /* (N*rows, size, inner) */
    float *y = gl_value(e, node->out[0]);        /* (N*rows, inner) */
    size_t inner = (size_t)p->inner;
    for (int r = 0; r < p->rows * e->N; r++) {
        const float *xr = x + (size_t)r * p->size * inner;
        float *yr = y + (size_t)r * inner;
        if (inner == 1) {
            *yr = gl_sum_vec(xr, (size_t)p->size) / (float)p->size;
            continue;
        }
        gl_fill(yr, 0.0f, inner);
        for (int k = 0; k < p->size; k++) gl_axpy_vec(1.0f, xr + k * inner, inner, yr);
        gl_affine_vec(yr, 1.0f / (float)p->size, 0.0f, inner, yr);
    }
}

static void mean_backward(const gl_node *node, const gl_exec *e) {
    const mean_params *p = node->p;
    const float *dy = gl_grad(e, node->out[0]);  /* (N*rows, inner) */
    float *dx = gl_grad(e, node->in[0]);         /* (N*rows, size, inner) */
    size_t inner = (size_t)p->inner;
    int accumulate = gl_grad_accumulate(node, 0);
    for (int r = 0; r < p->rows * e->N; r++) {
        float *d = dx + (size_t)r * p->size * inner;
        if (inner == 1) {
            if (accumulate) gl_affine_vec(d, 1.0f, dy[r] / (float)p->size, (size_t)p->size, d);
            else gl_fill(d, dy[r] / (float)p->size, (size_t)p->size);
            continue;
        }
        for (int k = 0; k < p->size; k++) {
            if (accumulate) gl_axpy_vec(1.0f / (float)p->size, dy + (size_t)r * inner, inner, d + k * inner);
            else gl_affine_vec(dy + (size_t)r * inner, 1.0f / (float)p->size, 0.0f, inner, d + k * inner);
        }
    }
}

const gl_op gl_op_maxpool = {.name = "MaxPool", .build = maxpool_build, .forward = maxpool_forward, .backward = maxpool_backward};
const gl_op gl_op_avgpool = {.name = "AveragePool", .build = avgpool_build, .forward = avgpool_forward, .backward = avgpool_backward};
const gl_op gl_op_global_maxpool = {.name = "GlobalMaxPool", .build = global_maxpool_build, .forward = maxpool_forward, .backward = maxpool_backward};
const gl_op gl_op_global_avgpool = {.name = "GlobalAveragePool", .build = gap_build, .forward = mean_forward,
                                    .backward = mean_backward, .writes_whole_grad = gl_writes_input0_grad};
const gl_op gl_op_reduce_mean = {.name = "ReduceMean", .build = reduce_mean_build, .forward = mean_forward,
                                 .backward = mean_backward, .writes_whole_grad = gl_writes_input0_grad};
