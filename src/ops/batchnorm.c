/* BatchNormalization (inference): a per-channel affine y = a[c] * x + b[c].
 * After a Conv it is folded into the Conv's weights at load (graph_fold.c);
 * standalone (e.g. pre-activation blocks) it runs here. */
#include <math.h>

#include "../ops.h"
#include "../status.h"

typedef struct {
    int channels, plane;   /* x (C, plane) per image */
    float *a, *b;          /* (C) */
} bn_params;

static gl_status bn_build(gl_build *b) {
    gl_tensor *x, *scale, *bias, *mean, *var;
    gl_status st;
    if ((st = gl_require_activation(b, 0, &x)) || (st = gl_require_const_float(b, 1, "scale", &scale)) ||
        (st = gl_require_const_float(b, 2, "B", &bias)) || (st = gl_require_const_float(b, 3, "mean", &mean)) ||
        (st = gl_require_const_float(b, 4, "var", &var)))
        return st;
    if (gl_attr_int(b, "training_mode", 0) || !gl_attr_int(b, "spatial", 1))
        return gl_fail(GL_ERR_UNSUPPORTED, "only inference-mode spatial batch normalization is supported");
    if (x->ndim < 2) return gl_fail(GL_ERR_MODEL, "input '%s' has no channel dimension", x->name);
    int C = x->dims[1];
    if (scale->numel != C || bias->numel != C || mean->numel != C || var->numel != C)
        return gl_fail(GL_ERR_MODEL, "scale, B, mean and var must have %d values", C);
    bn_params *p = gl_build_alloc(b, sizeof *p);
    float *ab = gl_build_alloc(b, 2 * (size_t)C * sizeof(float));
    if (!p || !ab) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    float eps = gl_attr_float(b, "epsilon", 1e-5f);
    p->channels = C;
    p->plane = x->numel / C;
    p->a = ab;
    p->b = ab + C;
    for (int c = 0; c < C; c++) {
        if (!(var->f[c] + eps > 0)) return gl_fail(GL_ERR_MODEL, "variance + epsilon of channel %d is not positive", c);
        p->a[c] = scale->f[c] / sqrtf(var->f[c] + eps);
        p->b[c] = bias->f[c] - p->a[c] * mean->f[c];
    }
    b->node->p = p;
    return gl_build_output(b, 0, x->ndim, x->dims, -1);
}

gl_status gl_batchnorm_affine(const gl_node *bn, const float **a, const float **b) {
    const bn_params *p = bn->p;
    *a = p->a;
    *b = p->b;
    return GL_OK;
}

static void bn_forward(const gl_node *node, const gl_exec *e) {
    const bn_params *p = node->p;
    const float *x = gl_value(e, node->in[0]);   /* (N, C, plane) */
    float *y = gl_value(e, node->out[0]);
    for (int n = 0; n < e->N; n++)
        for (int c = 0; c < p->channels; c++) {
            size_t off = ((size_t)n * p->channels + c) * p->plane;
            gl_affine_vec(x + off, p->a[c], p->b[c], (size_t)p->plane, y + off);
        }
}

static void bn_backward(const gl_node *node, const gl_exec *e) {
    const bn_params *p = node->p;
    const float *dy = gl_grad(e, node->out[0]);  /* (N, C, plane) */
    float *dx = gl_grad(e, node->in[0]);
    for (int n = 0; n < e->N; n++)
        for (int c = 0; c < p->channels; c++) {
            size_t off = ((size_t)n * p->channels + c) * p->plane;
            gl_axpy_vec(p->a[c], dy + off, (size_t)p->plane, dx + off);
        }
}

const gl_op gl_op_batchnorm = {.name = "BatchNormalization", .build = bn_build, .forward = bn_forward, .backward = bn_backward};
