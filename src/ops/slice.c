/* Slice and Split along non-batch axes (ShuffleNet's channel split, torch's
 * x.chunk): each output reads the input through a strided view, and the gradient
 * scatters back through it. Slice on constants is evaluated at load (shape
 * arithmetic slices shape vectors). */
#include <stdint.h>
#include <stdlib.h>

#include "../ops.h"
#include "../status.h"

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ONNX's rule for one axis of extent dim: start/end count from the end when negative,
 * then clamp; returns the number of elements taken with `step` (0 when empty). */
static int64_t slice_axis(int64_t dim, int64_t *start, int64_t end, int64_t step) {
    if (*start < 0) *start += dim;
    if (end < 0) end += dim;
    step = clamp64(step, -dim - 1, dim + 1);   /* same count, no overflow below */
    if (step > 0) {
        *start = clamp64(*start, 0, dim);
        end = clamp64(end, 0, dim);
        return end > *start ? (end - *start - 1) / step + 1 : 0;
    }
    *start = clamp64(*start, 0, dim - 1);
    end = clamp64(end, -1, dim - 1);
    return *start > end ? (*start - end - 1) / -step + 1 : 0;
}

/* starts, ends, axes and steps: attributes before opset 10, constant inputs after. */
static gl_status slice_args(gl_build *b, const gl_tensor *x, int64_t *starts, int64_t *ends, int *axes, int64_t *steps,
                            int *n) {
    int n_ends, n_steps = -1;
    gl_status st = GL_OK;
    if (b->g->opset < 10) {
        *n = gl_attr_ints(b, "starts", starts, GL_MAX_DIMS);
        n_ends = gl_attr_ints(b, "ends", ends, GL_MAX_DIMS);
    } else if ((st = gl_const_ints(b, 1, "starts", starts, GL_MAX_DIMS, n)) ||
               (st = gl_const_ints(b, 2, "ends", ends, GL_MAX_DIMS, &n_ends)) ||
               (gl_input(b, 4) && (st = gl_const_ints(b, 4, "steps", steps, GL_MAX_DIMS, &n_steps)))) {
        return st;
    }
    if (*n < 0 || *n > GL_MAX_DIMS || n_ends != *n || (n_steps >= 0 && n_steps != *n))
        return gl_fail(GL_ERR_MODEL, "starts, ends (and steps) must have one value per sliced axis");
    int n_axes;
    if ((st = gl_axes(b, 10, 3, x->ndim, axes, &n_axes))) return st;
    if (n_axes >= 0 && n_axes != *n) return gl_fail(GL_ERR_MODEL, "%d axes for %d starts", n_axes, *n);
    for (int j = 0; j < *n; j++) {
        if (n_axes < 0) axes[j] = j;
        if (n_steps < 0) steps[j] = 1;
        if (axes[j] >= x->ndim) return gl_fail(GL_ERR_MODEL, "axis %d is out of range", axes[j]);
        if (steps[j] == 0) return gl_fail(GL_ERR_MODEL, "step 0 on axis %d", axes[j]);
    }
    return GL_OK;
}

/* The view of x that Slice takes, and its shape. Along the batch axis of an
 * activation only the whole range passes: anything else would pick images. */
static gl_status slice_view(gl_build *b, const gl_tensor *x, gl_view *v, int *dims) {
    int64_t starts[GL_MAX_DIMS], ends[GL_MAX_DIMS], steps[GL_MAX_DIMS];
    int axes[GL_MAX_DIMS], n;
    gl_status st = slice_args(b, x, starts, ends, axes, steps, &n);
    if (st) return st;
    *v = gl_view_of(x);
    for (int d = 0; d < x->ndim; d++) dims[d] = x->dims[d];
    for (int j = 0; j < n; j++) {
        int a = axes[j];
        if (x->kind == GL_TENSOR_ACT && a == 0 && (starts[j] != 0 || ends[j] < INT32_MAX || steps[j] != 1))
            return gl_fail(GL_ERR_UNSUPPORTED, "slicing the batch dimension of '%s' is not supported", x->name);
        int64_t start = starts[j], count = slice_axis(x->dims[a], &start, ends[j], steps[j]);
        if (count == 0 && x->kind == GL_TENSOR_ACT)
            return gl_fail(GL_ERR_MODEL, "the slice of '%s' along axis %d is empty", x->name, a);
        v->base += start * v->stride[a];
        v->stride[a] *= steps[j];
        v->dims[a] = dims[a] = (int)count;
    }
    gl_view_simplify(v);
    return GL_OK;
}

static gl_status slice_build(gl_build *b) {
    gl_tensor *x;
    int dims[GL_MAX_DIMS];
    gl_status st = gl_require_activation(b, 0, &x);
    gl_view *v = gl_build_alloc(b, sizeof *v);
    if (st) return st;
    if (!v) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    if ((st = slice_view(b, x, v, dims))) return st;
    b->node->p = v;
    return gl_build_output(b, 0, x->ndim, dims, -1);
}

static gl_status slice_fold(gl_build *b) {
    gl_tensor *x;
    gl_view v;
    int dims[GL_MAX_DIMS];
    void *out;
    gl_status st;
    if ((st = gl_require_const(b, 0, &x)) || (st = slice_view(b, x, &v, dims)) ||
        (st = gl_build_const(b, 0, x->ndim, dims, x->f != NULL, &out)))
        return st;
    if (x->f) gl_view_gather_bytes(&v, x->f, out, sizeof(float));
    else gl_view_gather_bytes(&v, x->i, out, sizeof(int64_t));
    return GL_OK;
}

static void slice_forward(const gl_node *node, const gl_exec *e) { gl_view_forward(node->p, node->in[0], node->out[0], e); }
static void slice_backward(const gl_node *node, const gl_exec *e) { gl_view_backward(node->p, node->in[0], node->out[0], e); }

/* ---- Split: consecutive slices along one axis, one per output ------------- */
/* The sizes of the parts: the split attribute (before opset 13) or input, else equal
 * parts (the last one smaller with num_outputs, opset 18). */
static gl_status split_sizes(gl_build *b, int extent, int64_t *sizes, int parts) {
    int n = -1;
    gl_status st = GL_OK;
    if (b->g->opset < 13) n = gl_attr_ints(b, "split", sizes, parts);
    else if (gl_input(b, 1)) st = gl_const_ints(b, 1, "split", sizes, parts, &n);
    if (st) return st;
    if (n >= 0 && n != parts) return gl_fail(GL_ERR_MODEL, "split has %d sizes for %d outputs", n, parts);
    int64_t total = 0, equal = (extent + parts - 1) / parts;
    if (n < 0 && !onnx_find_attr(b->src, "num_outputs") && extent % parts)
        return gl_fail(GL_ERR_MODEL, "%d does not split into %d equal parts", extent, parts);
    for (int k = 0; k < parts; k++) {
        if (n < 0) sizes[k] = k < parts - 1 ? equal : extent - equal * (parts - 1);
        if (sizes[k] <= 0) return gl_fail(GL_ERR_MODEL, "part %d would be empty", k);
        total += sizes[k];
    }
    if (total != extent) return gl_fail(GL_ERR_MODEL, "the parts add up to %lld, not %d", (long long)total, extent);
    return GL_OK;
}

static gl_status split_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    int parts = b->node->nout, axis = (int)gl_attr_int(b, "axis", 0);
    if (axis < 0) axis += x->ndim;
    if (axis < 0 || axis >= x->ndim) return gl_fail(GL_ERR_MODEL, "axis %d is out of range", axis);
    if (axis == 0) return gl_fail(GL_ERR_UNSUPPORTED, "splitting the batch dimension of '%s' is not supported", x->name);
    int64_t *sizes = gl_build_alloc(b, (size_t)parts * sizeof *sizes);
    gl_view *views = gl_build_alloc(b, (size_t)parts * sizeof *views);
    if (!sizes || !views) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    if ((st = split_sizes(b, x->dims[axis], sizes, parts))) return st;
    int dims[GL_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++) dims[d] = x->dims[d];
    int64_t offset = 0;
    for (int k = 0; k < parts; k++) {
        views[k] = gl_view_of(x);
        views[k].base = offset * views[k].stride[axis];
        views[k].dims[axis] = dims[axis] = (int)sizes[k];
        gl_view_simplify(&views[k]);
        offset += sizes[k];
        if (b->node->out[k] >= 0 && (st = gl_build_output(b, k, x->ndim, dims, -1))) return st;
    }
    b->node->p = views;
    return GL_OK;
}

static void split_forward(const gl_node *node, const gl_exec *e) {
    const gl_view *views = node->p;
    for (int k = 0; k < node->nout; k++)
        if (node->out[k] >= 0) gl_view_forward(&views[k], node->in[0], node->out[k], e);
}

static void split_backward(const gl_node *node, const gl_exec *e) {
    const gl_view *views = node->p;
    for (int k = 0; k < node->nout; k++)
        if (node->out[k] >= 0) gl_view_backward(&views[k], node->in[0], node->out[k], e);
}

const gl_op gl_op_slice = {.name = "Slice", .build = slice_build, .fold = slice_fold, .forward = slice_forward, .backward = slice_backward};
const gl_op gl_op_split = {.name = "Split", .build = split_build, .forward = split_forward, .backward = split_backward};
