/* Concat along a non-batch axis (fire modules, Inception, DenseNet). */
#include <string.h>

#include "../ops.h"
#include "../status.h"

typedef struct {
    int outer;      /* product of the dimensions before the axis, per image */
    int out_inner;  /* output elements per outer index */
} concat_params;

/* Elements per outer index of input k: its axis extent times the dimensions after. */
static int inner_size(const gl_tensor *t, const concat_params *p) { return t->numel / p->outer; }

static gl_status concat_build(gl_build *b) {
    gl_tensor *first;
    gl_status st = gl_require_activation(b, 0, &first);
    if (st) return st;
    int ndim = first->ndim, axis = (int)gl_attr_int(b, "axis", b->g->opset < 4 ? 1 : 0x7fffffff);
    if (axis == 0x7fffffff) return gl_fail(GL_ERR_MODEL, "Concat needs an axis");
    if (axis < 0) axis += ndim;
    if (axis <= 0 || axis >= ndim)
        return gl_fail(GL_ERR_UNSUPPORTED, "Concat on axis %d of a %d-D tensor: only non-batch axes are supported", axis, ndim);
    int dims[GL_MAX_DIMS];
    memcpy(dims, first->dims, sizeof dims);
    dims[axis] = 0;
    for (int k = 0; k < b->node->nin; k++) {
        gl_tensor *t;
        if ((st = gl_require_activation(b, k, &t))) return st;
        if (t->ndim != ndim) return gl_fail(GL_ERR_MODEL, "inputs have different ranks");
        for (int d = 0; d < ndim; d++)
            if (d != axis && t->dims[d] != first->dims[d])
                return gl_fail(GL_ERR_MODEL, "input '%s' differs from '%s' in dimension %d", t->name, first->name, d);
        dims[axis] += t->dims[axis];
    }
    concat_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    p->outer = 1;
    for (int d = 0; d < axis; d++) p->outer *= dims[d];
    b->node->p = p;
    if ((st = gl_build_output(b, 0, ndim, dims, -1))) return st;
    p->out_inner = b->g->tensors[b->node->out[0]].numel / p->outer;
    return GL_OK;
}

/* Copies between the output and each input slice; forward copies in, backward
 * adds the output gradient's slices back into the inputs' gradients. */
static void concat_run(const gl_node *node, const gl_exec *e, int backward) {
    const concat_params *p = node->p;
    int rows = p->outer * e->N, offset = 0;
    for (int k = 0; k < node->nin; k++) {
        int inner = inner_size(gl_t(e, node->in[k]), p);
        for (int r = 0; r < rows; r++) {
            size_t out_at = (size_t)r * p->out_inner + offset, in_at = (size_t)r * inner;
            if (backward)
                gl_axpy_vec(1.0f, gl_grad(e, node->out[0]) + out_at, (size_t)inner, gl_grad(e, node->in[k]) + in_at);
            else
                memcpy(gl_value(e, node->out[0]) + out_at, gl_value(e, node->in[k]) + in_at, (size_t)inner * sizeof(float));
        }
        offset += inner;
    }
}

static void concat_forward(const gl_node *node, const gl_exec *e) { concat_run(node, e, 0); }
static void concat_backward(const gl_node *node, const gl_exec *e) { concat_run(node, e, 1); }

const gl_op gl_op_concat = {.name = "Concat", .build = concat_build, .forward = concat_forward, .backward = concat_backward};
