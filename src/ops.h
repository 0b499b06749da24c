/* The operators' shared build helpers and the few cross-operator hooks. */
#ifndef GL_OPS_H
#define GL_OPS_H

#include <stddef.h>

#include "graph.h"
#include "kernels.h"

/* Conv and the pools: strides, pads, dilations, auto_pad and ceil_mode of a 2-D
 * window of KH x KW over the 4-D input x -> the window geometry; pad_bottom and
 * pad_right are the declared end pads (the average pool's divisor needs them). */
gl_status gl_spatial_window(const gl_build *b, const gl_tensor *x, int KH, int KW, int allow_ceil,
                            gl_window *win, int *pad_bottom, int *pad_right);

/* Folds y = a[c] * conv(x)[c] + b[c] into the Conv node's weights and bias. */
void gl_conv_fold_affine(gl_node *conv, const float *a, const float *b);

/* Per-channel affine (a, b) of a BatchNormalization node (scale / sqrt(var + eps), ...). */
gl_status gl_batchnorm_affine(const gl_node *bn, const float **a, const float **b);

/* numpy broadcasting of up to 3 shapes (broadcast.c): the output shape and, per
 * operand, element strides that are 0 along its broadcast dimensions. */
typedef struct {
    int n;                                  /* operands */
    int ndim;
    int dims[GL_MAX_DIMS];                  /* the output */
    size_t numel;
    size_t stride[3][GL_MAX_DIMS];
} gl_broadcast;
gl_status gl_broadcast_init(gl_broadcast *bc, int n, gl_tensor *const *in);
/* fn(out, in, ctx) for every output element in row-major order; in[k] is the offset of
 * operand k's element. */
void gl_broadcast_each(const gl_broadcast *bc, void (*fn)(size_t out, const size_t *in, void *ctx), void *ctx);

/* A strided view (view.c): element (i_0, ..., i_{ndim-1}) of the view is element
 * base + sum_d i_d * stride[d] of the buffer it looks into. Transpose, Slice and Split
 * read their input through one, Pad writes its output through one. */
typedef struct {
    int ndim;
    int dims[GL_MAX_DIMS];
    ptrdiff_t stride[GL_MAX_DIMS];
    ptrdiff_t base;
} gl_view;
/* The view of tensor t's own layout (row-major, base 0). */
gl_view gl_view_of(const gl_tensor *t);
/* Drops unit dimensions and merges dimensions contiguous in the buffer, so runs are long. */
void gl_view_simplify(gl_view *v);
/* dense (the view's dims, row-major) = or += the viewed elements of buf. Views passed
 * here have at least one dimension (gl_view_simplify ensures it). */
void gl_view_gather(const gl_view *v, const float *buf, float *dense, int accumulate);
/* The viewed elements of buf = or += dense. */
void gl_view_scatter(const gl_view *v, const float *dense, float *buf, int accumulate);
/* gl_view_gather on elements of `elem` bytes (constants folded at load: int64 or float). */
void gl_view_gather_bytes(const gl_view *v, const void *buf, void *dense, size_t elem);
/* For every image of a chunk, tensor `out` = the view v of tensor `in` (forward), and
 * the gradient of `in` += the gradient of `out` scattered back through v (backward). */
void gl_view_forward(const gl_view *v, int in, int out, const gl_exec *e);
void gl_view_backward(const gl_view *v, int in, int out, const gl_exec *e);

/* Constant folding of elementwise operators (Add, Sub, Mul, Div, Equal, Where) with
 * broadcasting, on int64 or float constants (const.c). */
gl_status gl_fold_elementwise(gl_build *b);

extern const gl_op gl_op_identity;

/* writes_whole_grad (graph.h) of operators whose backward fills input 0's gradient. */
static inline int gl_writes_input0_grad(const gl_node *node, int i) {
    (void)node;
    return i == 0;
}

#endif
