/* Transpose: a permutation of the dimensions that keeps the batch first, as in
 * ShuffleNet's channel shuffle ((1,2,C/2,H,W) -> (1,C/2,2,H,W) between two
 * Reshapes). The output reads the input through a strided view and the gradient
 * scatters back through it. On a constant it is evaluated at load. */
#include "../ops.h"
#include "../status.h"

/* The perm attribute (default: reversed), checked to be a permutation of x's axes. */
static gl_status permutation(const gl_build *b, const gl_tensor *x, int *perm) {
    int64_t raw[GL_MAX_DIMS];
    int n = gl_attr_ints(b, "perm", raw, GL_MAX_DIMS), seen = 0;
    if (n >= 0 && n != x->ndim) return gl_fail(GL_ERR_MODEL, "perm has %d entries for the %d-D '%s'", n, x->ndim, x->name);
    for (int d = 0; d < x->ndim; d++) {
        int64_t a = n < 0 ? x->ndim - 1 - d : raw[d];
        if (a < 0 || a >= x->ndim || seen & (1 << a)) return gl_fail(GL_ERR_MODEL, "perm is not a permutation");
        seen |= 1 << a;
        perm[d] = (int)a;
    }
    return GL_OK;
}

/* The view of x in the permuted order; dims receives the output's shape. */
static gl_view permuted(const gl_tensor *x, const int *perm, int *dims) {
    gl_view in = gl_view_of(x), v = in;
    for (int d = 0; d < x->ndim; d++) {
        v.dims[d] = dims[d] = x->dims[perm[d]];
        v.stride[d] = in.stride[perm[d]];
    }
    gl_view_simplify(&v);
    return v;
}

static gl_status transpose_build(gl_build *b) {
    gl_tensor *x;
    int perm[GL_MAX_DIMS], dims[GL_MAX_DIMS];
    gl_status st;
    if ((st = gl_require_activation(b, 0, &x)) || (st = permutation(b, x, perm))) return st;
    if (perm[0] != 0)
        return gl_fail(GL_ERR_UNSUPPORTED, "perm[0] = %d would move the batch dimension of '%s'", perm[0], x->name);
    gl_view *v = gl_build_alloc(b, sizeof *v);
    if (!v) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    *v = permuted(x, perm, dims);
    b->node->p = v;
    return gl_build_output(b, 0, x->ndim, dims, -1);
}

static gl_status transpose_fold(gl_build *b) {
    gl_tensor *x;
    int perm[GL_MAX_DIMS], dims[GL_MAX_DIMS];
    gl_status st;
    void *out;
    if ((st = gl_require_const(b, 0, &x)) || (st = permutation(b, x, perm))) return st;
    gl_view v = permuted(x, perm, dims);
    if ((st = gl_build_const(b, 0, x->ndim, dims, x->f != NULL, &out))) return st;
    if (x->f) gl_view_gather_bytes(&v, x->f, out, sizeof(float));
    else gl_view_gather_bytes(&v, x->i, out, sizeof(int64_t));
    return GL_OK;
}

static void transpose_forward(const gl_node *node, const gl_exec *e) { gl_view_forward(node->p, node->in[0], node->out[0], e); }
static void transpose_backward(const gl_node *node, const gl_exec *e) { gl_view_backward(node->p, node->in[0], node->out[0], e); }

const gl_op gl_op_transpose = {.name = "Transpose", .build = transpose_build, .fold = transpose_fold, .forward = transpose_forward, .backward = transpose_backward};
