/* Operators that only relabel memory: Identity, Dropout (inference), Flatten,
 * Reshape. Their output aliases the input's buffers, so they cost nothing
 * forward or backward; applied to a constant (CNTK reshapes its weights) the
 * output is a constant sharing the data. Softmax / LogSoftmax are recognized here too: the engine
 * scores with the tensor that feeds them, so they never run. */
#include <string.h>

#include "../ops.h"
#include "../status.h"

/* The data input: an activation or a constant. */
static gl_status data_input(gl_build *b, gl_tensor **x) {
    if (!(*x = gl_input(b, 0))) return gl_fail(GL_ERR_MODEL, "missing input 0");
    return GL_OK;
}

/* Declares the relabelled output: an alias of an activation, or a constant. */
static gl_status relabel_output(gl_build *b, const gl_tensor *x, int ndim, const int *dims) {
    gl_status st = gl_build_output(b, 0, ndim, dims, b->node->in[0]);
    if (st || x->kind != GL_TENSOR_CONST) return st;
    gl_tensor *out = &b->g->tensors[b->node->out[0]];
    out->kind = GL_TENSOR_CONST;
    out->alias = -1;
    out->f = x->f;
    out->i = x->i;
    return GL_OK;
}

static gl_status alias_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = data_input(b, &x);
    if (st) return st;
    if (b->node->nout > 1 && b->node->out[1] >= 0 && strcmp(b->src->op_type, "Dropout"))
        return gl_fail(GL_ERR_MODEL, "too many outputs");
    return relabel_output(b, x, x->ndim, x->dims);
}

static gl_status flatten_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = data_input(b, &x);
    if (st) return st;
    int axis = (int)gl_attr_int(b, "axis", 1);
    if (axis < 0) axis += x->ndim;
    if (axis < 0 || axis > x->ndim) return gl_fail(GL_ERR_MODEL, "axis %d is out of range", axis);
    int dims[2] = {1, 1};
    for (int d = 0; d < x->ndim; d++) dims[d >= axis] *= x->dims[d];
    return relabel_output(b, x, 2, dims);
}

/* Reshape's target from the constant second input (opset 5+) or the attribute. */
static gl_status reshape_target(gl_build *b, int64_t *shape, int *n) {
    if (b->g->opset < 5) {
        *n = gl_attr_ints(b, "shape", shape, GL_MAX_DIMS);
        if (*n < 0) return gl_fail(GL_ERR_MODEL, "Reshape needs a shape");
    } else {
        gl_tensor *t = gl_input(b, 1);
        if (!t) return gl_fail(GL_ERR_MODEL, "Reshape needs a shape input");
        if (t->kind != GL_TENSOR_CONST || !t->i)
            return gl_fail(GL_ERR_UNSUPPORTED, "the shape '%s' must be a constant int64 tensor", t->name);
        *n = t->numel;
        for (int k = 0; k < *n && k < GL_MAX_DIMS; k++) shape[k] = t->i[k];
    }
    if (*n > GL_MAX_DIMS) return gl_fail(GL_ERR_UNSUPPORTED, "Reshape to %d dimensions", *n);
    return GL_OK;
}

static gl_status reshape_build(gl_build *b) {
    gl_tensor *x;
    int64_t shape[GL_MAX_DIMS];
    int n = 0, dims[GL_MAX_DIMS], infer = -1, allow_zero = (int)gl_attr_int(b, "allowzero", 0);
    gl_status st;
    if ((st = data_input(b, &x)) || (st = reshape_target(b, shape, &n))) return st;
    int64_t known = 1;
    for (int k = 0; k < n; k++) {
        int64_t v = shape[k];
        if (v == 0 && !allow_zero) {
            if (k >= x->ndim) return gl_fail(GL_ERR_MODEL, "shape[%d] = 0 copies a dimension the input lacks", k);
            v = x->dims[k];
        }
        if (v == -1) {
            if (infer >= 0) return gl_fail(GL_ERR_MODEL, "shape has two -1 entries");
            infer = k;
            continue;
        }
        if (v <= 0 || v > x->numel) return gl_fail(GL_ERR_MODEL, "shape[%d] = %lld is invalid", k, (long long)v);
        dims[k] = (int)v;
        known *= v;
    }
    if (infer >= 0) {
        if (x->numel % known) return gl_fail(GL_ERR_MODEL, "cannot reshape %d elements with -1", x->numel);
        dims[infer] = (int)(x->numel / known);
    } else if (known != x->numel) {
        return gl_fail(GL_ERR_MODEL, "cannot reshape %d elements into %lld", x->numel, (long long)known);
    }
    return relabel_output(b, x, n, dims);
}

/* Softmax and LogSoftmax: shape only; mark_active refuses them anywhere but last. */
static gl_status softmax_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    return st ? st : gl_build_output(b, 0, x->ndim, x->dims, -1);
}

const gl_op gl_op_identity = {.name = "Identity", .build = alias_build};
const gl_op gl_op_dropout = {.name = "Dropout", .build = alias_build};
const gl_op gl_op_flatten = {.name = "Flatten", .build = flatten_build};
const gl_op gl_op_reshape = {.name = "Reshape", .build = reshape_build};
const gl_op gl_op_softmax = {.name = "Softmax", .build = softmax_build};
const gl_op gl_op_log_softmax = {.name = "LogSoftmax", .build = softmax_build};
