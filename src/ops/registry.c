/* Operator type name -> implementation. */
#include <string.h>

#include "../ops.h"

extern const gl_op gl_op_conv, gl_op_batchnorm, gl_op_relu, gl_op_clip, gl_op_leaky_relu, gl_op_sigmoid, gl_op_tanh,
    gl_op_hardsigmoid, gl_op_hardswish, gl_op_maxpool, gl_op_avgpool, gl_op_global_maxpool, gl_op_global_avgpool,
    gl_op_reduce_mean, gl_op_lrn, gl_op_gemm, gl_op_matmul, gl_op_add, gl_op_sub, gl_op_mul, gl_op_div, gl_op_concat,
    gl_op_dropout, gl_op_flatten, gl_op_reshape, gl_op_squeeze, gl_op_unsqueeze, gl_op_transpose, gl_op_slice,
    gl_op_split, gl_op_pad, gl_op_softmax, gl_op_log_softmax, gl_op_shape, gl_op_gather, gl_op_cast,
    gl_op_constant_of_shape, gl_op_range, gl_op_equal, gl_op_where;

static const gl_op *const ops[] = {
    &gl_op_conv,       &gl_op_batchnorm,  &gl_op_relu,           &gl_op_clip,          &gl_op_leaky_relu,
    &gl_op_sigmoid,    &gl_op_tanh,       &gl_op_hardsigmoid,    &gl_op_hardswish,     &gl_op_maxpool,
    &gl_op_avgpool,    &gl_op_global_maxpool, &gl_op_global_avgpool, &gl_op_reduce_mean, &gl_op_lrn,
    &gl_op_gemm,       &gl_op_matmul,     &gl_op_add,            &gl_op_sub,           &gl_op_mul,
    &gl_op_div,        &gl_op_concat,     &gl_op_identity,       &gl_op_dropout,       &gl_op_flatten,
    &gl_op_reshape,    &gl_op_squeeze,    &gl_op_unsqueeze,      &gl_op_transpose,     &gl_op_slice,
    &gl_op_split,      &gl_op_pad,        &gl_op_softmax,        &gl_op_log_softmax,   &gl_op_shape,
    &gl_op_gather,     &gl_op_cast,       &gl_op_constant_of_shape, &gl_op_range,      &gl_op_equal,
    &gl_op_where,
};

const gl_op *gl_find_op(const char *op_type) {
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (!strcmp(ops[k]->name, op_type)) return ops[k];
    return NULL;
}
