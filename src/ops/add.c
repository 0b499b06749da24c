/* Add with numpy broadcasting: residual connections (two activations of one
 * shape, the fast path) and bias broadcasts such as a (C,1,1) constant after a
 * Conv. The gradient of a broadcast input sums over the broadcast dimensions. */
#include <string.h>

#include "../ops.h"
#include "../status.h"

typedef struct {
    int ndim;
    int dims[GL_MAX_DIMS];          /* output, per image */
    int stride[2][GL_MAX_DIMS];     /* per input, 0 along broadcast dimensions */
    int same_shape;
    float *constant[2];             /* a constant input's data, copied: ONNX data lives only during load */
} add_params;

static gl_status add_build(gl_build *b) {
    gl_tensor *in[2] = {gl_input(b, 0), gl_input(b, 1)};
    if (!in[0] || !in[1]) return gl_fail(GL_ERR_MODEL, "Add needs two inputs");
    if (in[0]->kind != GL_TENSOR_ACT && in[1]->kind != GL_TENSOR_ACT)
        return gl_fail(GL_ERR_UNSUPPORTED, "Add of two constants is not supported");
    for (int k = 0; k < 2; k++)
        if (in[k]->kind == GL_TENSOR_CONST && !in[k]->f)
            return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' must be a float tensor", in[k]->name);
    add_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    p->ndim = in[0]->ndim > in[1]->ndim ? in[0]->ndim : in[1]->ndim;
    for (int d = p->ndim - 1; d >= 0; d--) {
        int da[2];
        for (int k = 0; k < 2; k++) {
            int off = d - (p->ndim - in[k]->ndim);
            da[k] = off >= 0 ? in[k]->dims[off] : 1;
        }
        if (da[0] != da[1] && da[0] != 1 && da[1] != 1)
            return gl_fail(GL_ERR_MODEL, "shapes of '%s' and '%s' do not broadcast (dimension %d: %d vs %d)",
                           in[0]->name, in[1]->name, d, da[0], da[1]);
        p->dims[d] = da[0] > da[1] ? da[0] : da[1];
    }
    for (int k = 0; k < 2; k++) {
        int s = 1;
        for (int d = p->ndim - 1; d >= 0; d--) {
            int off = d - (p->ndim - in[k]->ndim), n = off >= 0 ? in[k]->dims[off] : 1;
            p->stride[k][d] = n == 1 ? 0 : s;
            s *= n;
        }
    }
    for (int k = 0; k < 2; k++) {
        if (in[k]->kind != GL_TENSOR_CONST) continue;
        if (!(p->constant[k] = gl_build_alloc(b, (size_t)in[k]->numel * sizeof(float))))
            return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
        memcpy(p->constant[k], in[k]->f, (size_t)in[k]->numel * sizeof(float));
    }
    p->same_shape = in[0]->kind == GL_TENSOR_ACT && in[1]->kind == GL_TENSOR_ACT && in[0]->numel == in[1]->numel &&
                    in[0]->ndim == in[1]->ndim && !memcmp(in[0]->dims, in[1]->dims, sizeof in[0]->dims);
    b->node->p = p;
    return gl_build_output(b, 0, p->ndim, p->dims, -1);
}

/* Input k's data for image n: activations per image, constants shared. */
static const float *input_data(const gl_node *node, const gl_exec *e, int k, int n) {
    const add_params *p = node->p;
    if (p->constant[k]) return p->constant[k];
    return gl_value(e, node->in[k]) + (size_t)n * gl_t(e, node->in[k])->numel;
}

/* Visits every output element of one image with the matching offsets into the
 * two inputs: fn(out_index, offset_a, offset_b, ctx). */
static void for_each_broadcast(const add_params *p, void (*fn)(size_t, size_t, size_t, void *), void *ctx) {
    int idx[GL_MAX_DIMS] = {0};
    size_t offs[2] = {0, 0}, total = 1;
    for (int d = 0; d < p->ndim; d++) total *= (size_t)p->dims[d];
    for (size_t i = 0; i < total; i++) {
        fn(i, offs[0], offs[1], ctx);
        for (int d = p->ndim - 1; d >= 0; d--) { /* odometer increment */
            offs[0] += (size_t)p->stride[0][d];
            offs[1] += (size_t)p->stride[1][d];
            if (++idx[d] < p->dims[d]) break;
            offs[0] -= (size_t)p->stride[0][d] * (size_t)p->dims[d];
            offs[1] -= (size_t)p->stride[1][d] * (size_t)p->dims[d];
            idx[d] = 0;
        }
    }
}

typedef struct {
    const float *a, *b;
    float *y;
} add_ctx;

static void add_one(size_t i, size_t oa, size_t ob, void *c) {
    add_ctx *x = c;
    x->y[i] = x->a[oa] + x->b[ob];
}

static void add_forward(const gl_node *node, const gl_exec *e) {
    const add_params *p = node->p;
    int out_numel = gl_t(e, node->out[0])->numel;
    if (p->same_shape) {
        gl_add_vec(gl_value(e, node->in[0]), gl_value(e, node->in[1]), (size_t)out_numel * e->N, gl_value(e, node->out[0]));
        return;
    }
    for (int n = 0; n < e->N; n++) {
        add_ctx c = {input_data(node, e, 0, n), input_data(node, e, 1, n),
                     gl_value(e, node->out[0]) + (size_t)n * out_numel};
        for_each_broadcast(p, add_one, &c);
    }
}

typedef struct {
    const float *dy;
    float *dx;
    int which;
} add_grad_ctx;

static void add_grad_one(size_t i, size_t oa, size_t ob, void *c) {
    add_grad_ctx *x = c;
    x->dx[x->which ? ob : oa] += x->dy[i];
}

static void add_backward(const gl_node *node, const gl_exec *e) {
    const add_params *p = node->p;
    int out_numel = gl_t(e, node->out[0])->numel;
    for (int k = 0; k < 2; k++) {
        if (gl_t(e, node->in[k])->kind != GL_TENSOR_ACT) continue;
        if (p->same_shape) {
            gl_axpy_vec(1.0f, gl_grad(e, node->out[0]), (size_t)out_numel * e->N, gl_grad(e, node->in[k]));
            continue;
        }
        for (int n = 0; n < e->N; n++) {
            add_grad_ctx c = {gl_grad(e, node->out[0]) + (size_t)n * out_numel,
                              gl_grad(e, node->in[k]) + (size_t)n * gl_t(e, node->in[k])->numel, k};
            for_each_broadcast(p, add_grad_one, &c);
        }
    }
}

const gl_op gl_op_add = {.name = "Add", .build = add_build, .forward = add_forward, .backward = add_backward};
