/* The operators' shared build helpers and the few cross-operator hooks. */
#ifndef GL_OPS_H
#define GL_OPS_H

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

extern const gl_op gl_op_identity;

#endif
