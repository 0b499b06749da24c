/* Operators that only relabel memory: Identity, Dropout (inference), Flatten,
 * Reshape, Squeeze, Unsqueeze. Their output aliases the input's buffers, so they
 * cost nothing forward or backward; applied to a constant (CNTK reshapes its
 * weights, exporters unsqueeze shape values) the output is a constant sharing the
 * data. On activations they keep the batch as the first dimension. Softmax / LogSoftmax are recognized here too: the engine
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
    if (axis == 0 && x->kind == GL_TENSOR_ACT)
        return gl_fail(GL_ERR_UNSUPPORTED, "Flatten with axis 0 would merge the batch of '%s' into one row", x->name);
    int dims[2] = {1, 1};
    for (int d = 0; d < x->ndim; d++) dims[d >= axis] *= x->dims[d];
    return relabel_output(b, x, 2, dims);
}

/* Reshape's target from the constant second input (opset 5+) or the attribute. */
static gl_status reshape_target(gl_build *b, int64_t *shape, int *n) {
    if (b->g->opset < 5) {
        *n = gl_attr_ints(b, "shape", shape, GL_MAX_DIMS);
        if (*n < 0) return gl_fail(GL_ERR_MODEL, "Reshape needs a shape");
        if (*n > GL_MAX_DIMS) return gl_fail(GL_ERR_UNSUPPORTED, "Reshape to %d dimensions", *n);
        return GL_OK;
    }
    return gl_const_ints(b, 1, "shape", shape, GL_MAX_DIMS, n);
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

/* Unsqueeze: axes (attribute before opset 13, then input 1) index the output. */
static gl_status unsqueeze_build(gl_build *b) {
    gl_tensor *x;
    int axes[GL_MAX_DIMS], n, dims[GL_MAX_DIMS];
    gl_status st = data_input(b, &x);
    if (st) return st;
    int64_t probe[GL_MAX_DIMS + 1];
    int count = b->g->opset < 13 ? gl_attr_ints(b, "axes", probe, GL_MAX_DIMS + 1) : gl_input(b, 1) ? gl_input(b, 1)->numel : -1;
    if (count < 0 || x->ndim + count > GL_MAX_DIMS) return gl_fail(GL_ERR_UNSUPPORTED, "Unsqueeze needs axes and at most %d dimensions", GL_MAX_DIMS);
    if ((st = gl_axes(b, 13, 1, x->ndim + count, axes, &n))) return st;
    int mask = 0;
    for (int j = 0; j < n; j++) mask |= 1 << axes[j];
    if (mask & 1 && x->kind == GL_TENSOR_ACT)
        return gl_fail(GL_ERR_UNSUPPORTED, "a new first dimension would move the batch of '%s'", x->name);
    for (int d = 0, k = 0; d < x->ndim + n; d++) dims[d] = mask & (1 << d) ? 1 : x->dims[k++];
    return relabel_output(b, x, x->ndim + n, dims);
}

/* Squeeze: the given axes (each of extent 1), else every axis of extent 1 but an
 * activation's batch, whose extent is N at run time. */
static gl_status squeeze_build(gl_build *b) {
    gl_tensor *x;
    int axes[GL_MAX_DIMS], n, dims[GL_MAX_DIMS], mask = 0, ndim = 0;
    gl_status st;
    if ((st = data_input(b, &x)) || (st = gl_axes(b, 13, 1, x->ndim, axes, &n))) return st;
    for (int j = 0; j < n; j++) {
        if (x->dims[axes[j]] != 1) return gl_fail(GL_ERR_MODEL, "axis %d of '%s' has extent %d, not 1", axes[j], x->name, x->dims[axes[j]]);
        mask |= 1 << axes[j];
    }
    for (int d = n < 0 ? 0 : x->ndim; d < x->ndim; d++)
        if (x->dims[d] == 1 && (d > 0 || x->kind != GL_TENSOR_ACT)) mask |= 1 << d;
    if (mask & 1 && x->kind == GL_TENSOR_ACT)
        return gl_fail(GL_ERR_UNSUPPORTED, "squeezing axis 0 would remove the batch of '%s'", x->name);
    for (int d = 0; d < x->ndim; d++)
        if (!(mask & (1 << d))) dims[ndim++] = x->dims[d];
    return relabel_output(b, x, ndim, dims);
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
const gl_op gl_op_squeeze = {.name = "Squeeze", .build = squeeze_build};
const gl_op gl_op_unsqueeze = {.name = "Unsqueeze", .build = unsqueeze_build};
const gl_op gl_op_softmax = {.name = "Softmax", .build = softmax_build};
const gl_op gl_op_log_softmax = {.name = "LogSoftmax", .build = softmax_build};
