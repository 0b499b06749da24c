/* Add, Sub, Mul and Div with numpy broadcasting, between activations and/or
 * constants: residual connections and bias adds, squeeze-and-excitation gates
 * ((N,C,H,W) * (N,C,1,1)), Swish's x * sigmoid(x), scalings like (x - mean) / std.
 * Each node runs in one of three forms, chosen at load:
 *   same     both operands have the output's shape: elementwise kernels (Add, Mul);
 *   plane    one operand has the output's shape, the other one value per plane of it
 *            ((C,H,W) with (C,1,1), or a scalar): per plane y = alpha * x + beta;
 *   general  an odometer over the output with broadcast strides (anything else).
 * The gradient of a broadcast operand sums over its broadcast dimensions. With every
 * input constant the node is evaluated at load instead (gl_fold_elementwise). */
#include <string.h>

#include "../ops.h"
#include "../status.h"

typedef enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } bin_kind;
typedef enum { FORM_SAME, FORM_PLANE, FORM_GENERAL } bin_form;

typedef struct {
    bin_kind kind;
    bin_form form;
    gl_broadcast bc;        /* per image: the output shape, both operands' strides */
    int full;               /* plane form: the operand with the output's shape (0 or 1) */
    int planes, plane;      /* plane form: per image, `planes` planes of `plane` elements */
    float *constant[2];     /* a constant operand's data, copied: ONNX data lives only during load */
} bin_params;

static int has_output_shape(const gl_tensor *t, const gl_broadcast *bc) {
    return t->ndim == bc->ndim && !memcmp(t->dims, bc->dims, (size_t)t->ndim * sizeof(int));
}

/* Whether t (right-aligned against the output) matches the output's leading dimensions
 * and is 1 in all the others: then it holds one value per plane of the output. */
static int per_plane(const gl_tensor *t, const gl_broadcast *bc, int *planes, int *plane) {
    int k = 0;
    for (int d = 0; d < bc->ndim; d++) {
        int off = d - (bc->ndim - t->ndim);
        if (off >= 0 && t->dims[off] != 1) k = d + 1;
    }
    *planes = *plane = 1;
    for (int d = 0; d < bc->ndim; d++) {
        int off = d - (bc->ndim - t->ndim), e = off >= 0 ? t->dims[off] : 1;
        if (d < k && e != bc->dims[d]) return 0;
        *(d < k ? planes : plane) *= bc->dims[d];
    }
    return 1;
}

static bin_form pick_form(bin_params *p, gl_tensor *const *in) {
    if (has_output_shape(in[0], &p->bc) && has_output_shape(in[1], &p->bc) && (p->kind == BIN_ADD || p->kind == BIN_MUL))
        return FORM_SAME;
    for (int f = 0; f < 2; f++) {
        /* s / x is not affine in x */
        if (p->kind == BIN_DIV && f == 1) continue;
        if (has_output_shape(in[f], &p->bc) && per_plane(in[1 - f], &p->bc, &p->planes, &p->plane)) {
            p->full = f;
            return FORM_PLANE;
        }
    }
    return FORM_GENERAL;
}

static gl_status binary_build(gl_build *b, bin_kind kind) {
    gl_tensor *in[2] = {gl_input(b, 0), gl_input(b, 1)};
    if (!in[0] || !in[1]) return gl_fail(GL_ERR_MODEL, "%s needs two inputs", b->src->op_type);
    for (int k = 0; k < 2; k++)
        if (in[k]->kind == GL_TENSOR_CONST && !in[k]->f)
            return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' must be a float tensor", in[k]->name);
    bin_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    p->kind = kind;
    gl_status st = gl_broadcast_init(&p->bc, 2, in);
    if (st) return st;
    for (int k = 0; k < 2; k++) {
        if (in[k]->kind != GL_TENSOR_CONST) continue;
        if (!(p->constant[k] = gl_build_alloc(b, (size_t)in[k]->numel * sizeof(float))))
            return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
        memcpy(p->constant[k], in[k]->f, (size_t)in[k]->numel * sizeof(float));
    }
    p->form = pick_form(p, in);
    b->node->p = p;
    return gl_build_output(b, 0, p->bc.ndim, p->bc.dims, -1);
}

static gl_status add_build(gl_build *b) { return binary_build(b, BIN_ADD); }
static gl_status sub_build(gl_build *b) { return binary_build(b, BIN_SUB); }
static gl_status mul_build(gl_build *b) { return binary_build(b, BIN_MUL); }
static gl_status div_build(gl_build *b) { return binary_build(b, BIN_DIV); }

/* Operand k's values for image n: activations per image, constants shared. */
static const float *operand(const gl_node *node, const gl_exec *e, int k, int n) {
    const bin_params *p = node->p;
    if (p->constant[k]) return p->constant[k];
    return gl_value(e, node->in[k]) + (size_t)n * gl_t(e, node->in[k])->numel;
}

/* Operand k's gradient for image n; NULL for a constant. */
static float *operand_grad(const gl_node *node, const gl_exec *e, int k, int n) {
    const bin_params *p = node->p;
    if (p->constant[k]) return NULL;
    return gl_grad(e, node->in[k]) + (size_t)n * gl_t(e, node->in[k])->numel;
}

/* Plane form: on a plane of the full operand x, with s the small operand's value,
 * y = alpha * x + beta and dy/ds = c_sum + c_dot * x. */
typedef struct {
    float alpha, beta, c_sum, c_dot;
} plane_coeffs;

static plane_coeffs plane_of(bin_kind kind, int full, float s) {
    switch (kind) {
    case BIN_ADD: return (plane_coeffs){1.0f, s, 1.0f, 0.0f};
    case BIN_SUB: return full == 0 ? (plane_coeffs){1.0f, -s, -1.0f, 0.0f} : (plane_coeffs){-1.0f, s, 1.0f, 0.0f};
    case BIN_MUL: return (plane_coeffs){s, 0.0f, 0.0f, 1.0f};
    default: return (plane_coeffs){1.0f / s, 0.0f, 0.0f, -1.0f / (s * s)};  /* x / s; within an ulp of the division */
    }
}

static float apply(bin_kind kind, float a, float b) {
    switch (kind) {
    case BIN_ADD: return a + b;
    case BIN_SUB: return a - b;
    case BIN_MUL: return a * b;
    default: return a / b;
    }
}

/* d apply(a, b) / d (a when k == 0, else b) */
static float partial(bin_kind kind, int k, float a, float b) {
    switch (kind) {
    case BIN_ADD: return 1.0f;
    case BIN_SUB: return k == 0 ? 1.0f : -1.0f;
    case BIN_MUL: return k == 0 ? b : a;
    default: return k == 0 ? 1.0f / b : -a / (b * b);
    }
}

typedef struct {
    bin_kind kind;
    int k;                  /* backward: the operand whose gradient accumulates */
    const float *a, *b, *dy;
    float *y;               /* forward: the output; backward: operand k's gradient */
} general_ctx;

static void general_forward_one(size_t i, const size_t *o, void *c) {
    general_ctx *x = c;
    x->y[i] = apply(x->kind, x->a[o[0]], x->b[o[1]]);
}

static void general_backward_one(size_t i, const size_t *o, void *c) {
    general_ctx *x = c;
    x->y[o[x->k]] += x->dy[i] * partial(x->kind, x->k, x->a[o[0]], x->b[o[1]]);
}

static void binary_forward(const gl_node *node, const gl_exec *e) {
    const bin_params *p = node->p;
    size_t numel = p->bc.numel;
    for (int n = 0; n < e->N; n++) {
        const float *a = operand(node, e, 0, n), *b = operand(node, e, 1, n);
        float *y = gl_value(e, node->out[0]) + (size_t)n * numel;          /* (out per image) */
        if (p->form == FORM_SAME) {
            if (p->kind == BIN_ADD) gl_add_vec(a, b, numel, y);
            else gl_mul_vec(a, b, numel, y);
        } else if (p->form == FORM_PLANE) {
            const float *x = p->full ? b : a, *s = p->full ? a : b;       /* x (planes, plane), s (planes) */
            for (int q = 0; q < p->planes; q++) {
                plane_coeffs c = plane_of(p->kind, p->full, s[q]);
                size_t at = (size_t)q * p->plane;
                gl_affine_vec(x + at, c.alpha, c.beta, (size_t)p->plane, y + at);
            }
        } else {
            general_ctx c = {p->kind, 0, a, b, NULL, y};
            gl_broadcast_each(&p->bc, general_forward_one, &c);
        }
    }
}

static void binary_backward(const gl_node *node, const gl_exec *e) {
    const bin_params *p = node->p;
    size_t numel = p->bc.numel;
    for (int n = 0; n < e->N; n++) {
        const float *a = operand(node, e, 0, n), *b = operand(node, e, 1, n);
        const float *dy = gl_grad(e, node->out[0]) + (size_t)n * numel;   /* (out per image) */
        if (p->form == FORM_PLANE) {
            const float *x = p->full ? b : a, *s = p->full ? a : b;
            float *dx = operand_grad(node, e, p->full, n), *ds = operand_grad(node, e, 1 - p->full, n);
            for (int q = 0; q < p->planes; q++) {
                plane_coeffs c = plane_of(p->kind, p->full, s[q]);
                size_t at = (size_t)q * p->plane;
                if (dx) gl_axpy_vec(c.alpha, dy + at, (size_t)p->plane, dx + at);
                if (!ds) continue;
                if (c.c_sum != 0.0f) ds[q] += c.c_sum * gl_sum_vec(dy + at, (size_t)p->plane);
                if (c.c_dot != 0.0f) ds[q] += c.c_dot * gl_dot_vec(dy + at, x + at, (size_t)p->plane);
            }
            continue;
        }
        for (int k = 0; k < 2; k++) {
            float *dk = operand_grad(node, e, k, n);
            if (!dk) continue;
            int store = !gl_grad_accumulate(node, k);   /* FORM_SAME only: see binary_writes_whole_grad */
            if (p->form == FORM_SAME && p->kind == BIN_ADD) {
                if (store) memcpy(dk, dy, numel * sizeof(float));
                else gl_axpy_vec(1.0f, dy, numel, dk);
            } else if (p->form == FORM_SAME) {
                if (store) gl_mul_vec(dy, k ? a : b, numel, dk);
                else gl_mul_add_vec(dy, k ? a : b, numel, dk);
            } else {
                general_ctx c = {p->kind, k, a, b, dy, dk};
                gl_broadcast_each(&p->bc, general_backward_one, &c);
            }
        }
    }
}

/* Operands of the output's shape (residual Adds, gates of the same shape) get their
 * whole gradient, dy or dy times the other operand; broadcast ones get sums. */
static int binary_writes_whole_grad(const gl_node *node, int i) {
    const bin_params *p = node->p;
    return p->form == FORM_SAME && i < 2 && !p->constant[i];
}

const gl_op gl_op_add = {.name = "Add", .build = add_build, .fold = gl_fold_elementwise, .forward = binary_forward,
                         .backward = binary_backward, .writes_whole_grad = binary_writes_whole_grad};
const gl_op gl_op_sub = {.name = "Sub", .build = sub_build, .fold = gl_fold_elementwise, .forward = binary_forward, .backward = binary_backward};
const gl_op gl_op_mul = {.name = "Mul", .build = mul_build, .fold = gl_fold_elementwise, .forward = binary_forward,
                         .backward = binary_backward, .writes_whole_grad = binary_writes_whole_grad};
const gl_op gl_op_div = {.name = "Div", .build = div_build, .fold = gl_fold_elementwise, .forward = binary_forward, .backward = binary_backward};
