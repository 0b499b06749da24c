/* Concat along a non-batch axis (fire modules, Inception, DenseNet); on constants
 * along any axis, evaluated at load (exporters concatenate shape vectors). */
#include <string.h>

#include "../ops.h"
#include "../parallel.h"
#include "../status.h"

typedef struct {
    int outer;      /* product of the dimensions before the axis, per image */
    int out_inner;  /* output elements per outer index */
} concat_params;

/* Elements per outer index of input k: its axis extent times the dimensions after. */
static int inner_size(const gl_tensor *t, const concat_params *p) { return t->numel / p->outer; }

/* The axis and the output shape: inputs of one rank that agree off the axis. */
static gl_status concat_shape(const gl_build *b, int *axis, int *dims) {
    const gl_tensor *first = gl_input(b, 0);
    if (!first) return gl_fail(GL_ERR_MODEL, "missing input 0");
    int ndim = first->ndim;
    *axis = (int)gl_attr_int(b, "axis", b->g->opset < 4 ? 1 : 0x7fffffff);
    if (*axis == 0x7fffffff) return gl_fail(GL_ERR_MODEL, "Concat needs an axis");
    if (*axis < 0) *axis += ndim;
    if (*axis < 0 || *axis >= ndim) return gl_fail(GL_ERR_MODEL, "axis %d is out of range for rank %d", *axis, ndim);
    memcpy(dims, first->dims, GL_MAX_DIMS * sizeof *dims);
    dims[*axis] = 0;
    for (int k = 0; k < b->node->nin; k++) {
        const gl_tensor *t = gl_input(b, k);
        if (!t) return gl_fail(GL_ERR_MODEL, "missing input %d", k);
        if (t->ndim != ndim) return gl_fail(GL_ERR_MODEL, "inputs have different ranks");
        for (int d = 0; d < ndim; d++)
            if (d != *axis && t->dims[d] != first->dims[d])
                return gl_fail(GL_ERR_MODEL, "input '%s' differs from '%s' in dimension %d", t->name, first->name, d);
        dims[*axis] += t->dims[*axis];
    }
    return GL_OK;
}

static gl_status concat_build(gl_build *b) {
    int axis, dims[GL_MAX_DIMS];
    gl_status st = concat_shape(b, &axis, dims);
    for (int k = 0; !st && k < b->node->nin; k++) {
        gl_tensor *t;
        st = gl_require_activation(b, k, &t);
    }
    if (st) return st;
    int ndim = gl_input(b, 0)->ndim;
    if (axis == 0)
        return gl_fail(GL_ERR_UNSUPPORTED, "Concat on axis %d of a %d-D tensor: only non-batch axes are supported", axis, ndim);
    concat_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    p->outer = 1;
    for (int d = 0; d < axis; d++) p->outer *= dims[d];
    b->node->p = p;
    if ((st = gl_build_output(b, 0, ndim, dims, -1))) return st;
    p->out_inner = b->g->tensors[b->node->out[0]].numel / p->outer;
    return GL_OK;
}

static gl_status concat_fold(gl_build *b) {
    int axis, dims[GL_MAX_DIMS];
    gl_tensor *t;
    gl_status st = concat_shape(b, &axis, dims);
    for (int k = 0; !st && k < b->node->nin; k++)
        if (!(st = gl_require_const(b, k, &t)) && (t->f != NULL) != (gl_input(b, 0)->f != NULL))
            st = gl_fail(GL_ERR_MODEL, "inputs '%s' and '%s' have different element types", gl_input(b, 0)->name, t->name);
    if (st) return st;   /* before reading input 0: it may be missing */
    char *out;
    int ndim = gl_input(b, 0)->ndim, is_float = gl_input(b, 0)->f != NULL;
    if ((st = gl_build_const(b, 0, ndim, dims, is_float, (void **)&out))) return st;
    size_t elem = is_float ? sizeof(float) : sizeof(int64_t), outer = 1, row = elem, offset = 0;
    for (int d = 0; d < axis; d++) outer *= (size_t)dims[d];
    for (int d = axis; d < ndim; d++) row *= (size_t)dims[d];
    for (int k = 0; k < b->node->nin; k++) {   /* input k's rows land at `offset` in every output row */
        t = gl_input(b, k);
        size_t inner = outer ? (size_t)t->numel / outer * elem : 0;
        const char *src = is_float ? (const char *)t->f : (const char *)t->i;
        for (size_t o = 0; o < outer; o++) memcpy(out + o * row + offset, src + o * inner, inner);
        offset += inner;
    }
    return GL_OK;
}

/* Copies between the output and each input slice; forward copies in, backward
 * adds (or stores, gl_grad_accumulate) the output gradient's slices back into the
 * inputs' gradients. Threads take blocks of output rows: along channels a fire
 * module's two slices are one row per image (outer 1), 1.7 MB in SqueezeNet's fire2. */
enum { CONCAT_GRAIN = 16384 }; /* floats per block */

typedef struct {
    const gl_node *node;
    const gl_exec *e;
    int backward, blocks;   /* blocks per output row */
} concat_job;

/* Output elements [lo, hi) of row r, from or to the input slices that land there. */
static void concat_piece(const concat_job *j, int r, int lo, int hi) {
    const gl_node *node = j->node;
    const gl_exec *e = j->e;
    const concat_params *p = node->p;
    for (int k = 0, offset = 0; k < node->nin && offset < hi; k++) {
        int inner = inner_size(gl_t(e, node->in[k]), p), a = lo > offset ? lo : offset;
        int b = hi < offset + inner ? hi : offset + inner;
        if (a < b) {
            size_t out_at = (size_t)r * p->out_inner + a, in_at = (size_t)r * inner + (a - offset), n = (size_t)(b - a);
            if (j->backward && gl_grad_accumulate(node, k))
                gl_axpy_vec(1.0f, gl_grad(e, node->out[0]) + out_at, n, gl_grad(e, node->in[k]) + in_at);
            else if (j->backward)
                memcpy(gl_grad(e, node->in[k]) + in_at, gl_grad(e, node->out[0]) + out_at, n * sizeof(float));
            else
                memcpy(gl_value(e, node->out[0]) + out_at, gl_value(e, node->in[k]) + in_at, n * sizeof(float));
        }
        offset += inner;
    }
}

static void concat_blocks(void *job, int u0, int u1) {
    const concat_job *j = job;
    const concat_params *p = j->node->p;
    for (int u = u0; u < u1; u++) {
        int r = u / j->blocks, lo = u % j->blocks * CONCAT_GRAIN;
        concat_piece(j, r, lo, lo + CONCAT_GRAIN < p->out_inner ? lo + CONCAT_GRAIN : p->out_inner);
    }
}

static void concat_run(const gl_node *node, const gl_exec *e, int backward) {
    const concat_params *p = node->p;
    concat_job job = {node, e, backward, (p->out_inner + CONCAT_GRAIN - 1) / CONCAT_GRAIN};
    gl_parallel_for(p->outer * e->N * job.blocks, 1, concat_blocks, &job);
}

static void concat_forward(const gl_node *node, const gl_exec *e) { concat_run(node, e, 0); }
static void concat_backward(const gl_node *node, const gl_exec *e) { concat_run(node, e, 1); }

static int concat_writes_whole_grad(const gl_node *node, int i) {
    (void)node, (void)i;
    return 1;
}

const gl_op gl_op_concat = {.name = "Concat", .build = concat_build, .fold = concat_fold, .forward = concat_forward,
                            .backward = concat_backward, .writes_whole_grad = concat_writes_whole_grad};
