/* Pad in constant mode along non-batch axes (DenseNet's transitions export an
 * all-zero Pad before their AveragePool). The output is the fill value with the
 * input written through a strided view of its interior; the gradient reads that
 * view back. Pads come from the attribute before opset 11, then from inputs. */
#include <string.h>

#include "../ops.h"
#include "../status.h"

typedef struct {
    gl_view interior;   /* the input's place in the output */
    float value;
} pad_params;

/* pads (begin for each axis, then end for each axis), by axis into begin / end. */
static gl_status read_pads(gl_build *b, const gl_tensor *x, int *begin, int *end, float *value) {
    int64_t pads[2 * GL_MAX_DIMS];
    int axes[GL_MAX_DIMS], n, n_axes = -1;
    gl_status st = GL_OK;
    *value = 0.0f;
    if (b->g->opset < 11) {
        n = gl_attr_ints(b, "pads", pads, 2 * GL_MAX_DIMS);
        *value = gl_attr_float(b, "value", 0.0f);
    } else {
        if ((st = gl_const_ints(b, 1, "pads", pads, 2 * GL_MAX_DIMS, &n))) return st;
        if (gl_input(b, 2)) {
            gl_tensor *v;
            if ((st = gl_require_const_float(b, 2, "constant_value", &v))) return st;
            if (v->numel != 1) return gl_fail(GL_ERR_MODEL, "constant_value '%s' must be a scalar", v->name);
            *value = v->f[0];
        }
        if ((st = gl_axes(b, 18, 3, x->ndim, axes, &n_axes))) return st;
    }
    int count = n_axes >= 0 ? n_axes : x->ndim;
    if (n != 2 * count) return gl_fail(GL_ERR_MODEL, "%d pads for %d axes", n, count);
    memset(begin, 0, GL_MAX_DIMS * sizeof *begin);
    memset(end, 0, GL_MAX_DIMS * sizeof *end);
    for (int j = 0; j < count; j++) {
        int a = n_axes >= 0 ? axes[j] : j;
        if (pads[j] < 0 || pads[j + count] < 0)
            return gl_fail(GL_ERR_UNSUPPORTED, "negative pads (cropping) are not supported");
        if (pads[j] > 4096 || pads[j + count] > 4096) return gl_fail(GL_ERR_MODEL, "pads above 4096");
        if (a == 0 && (pads[j] || pads[j + count]))
            return gl_fail(GL_ERR_UNSUPPORTED, "padding the batch dimension of '%s' is not supported", x->name);
        begin[a] = (int)pads[j];
        end[a] = (int)pads[j + count];
    }
    return GL_OK;
}

static gl_status pad_build(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    const char *mode = gl_attr_string(b, "mode", "constant");
    if (strcmp(mode, "constant"))
        return gl_fail(GL_ERR_UNSUPPORTED, "mode '%s' is not supported (only 'constant')", mode);
    pad_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    int begin[GL_MAX_DIMS], end[GL_MAX_DIMS], dims[GL_MAX_DIMS];
    if ((st = read_pads(b, x, begin, end, &p->value))) return st;
    for (int d = 0; d < x->ndim; d++) dims[d] = begin[d] + x->dims[d] + end[d];
    b->node->p = p;
    if ((st = gl_build_output(b, 0, x->ndim, dims, -1))) return st;
    p->interior = gl_view_of(&b->g->tensors[b->node->out[0]]);
    for (int d = 0; d < x->ndim; d++) {
        p->interior.base += begin[d] * p->interior.stride[d];
        p->interior.dims[d] = x->dims[d];
    }
    gl_view_simplify(&p->interior);
    return GL_OK;
}

static void pad_forward(const gl_node *node, const gl_exec *e) {
    const pad_params *p = node->p;
    size_t in_numel = (size_t)gl_t(e, node->in[0])->numel, out_numel = (size_t)gl_t(e, node->out[0])->numel;
    for (int n = 0; n < e->N; n++) {
        float *y = gl_value(e, node->out[0]) + n * out_numel;
        gl_fill(y, p->value, out_numel);
        gl_view_scatter(&p->interior, gl_value(e, node->in[0]) + n * in_numel, y, 0);
    }
}

static void pad_backward(const gl_node *node, const gl_exec *e) {
    const pad_params *p = node->p;
    size_t in_numel = (size_t)gl_t(e, node->in[0])->numel, out_numel = (size_t)gl_t(e, node->out[0])->numel;
    for (int n = 0; n < e->N; n++)
        gl_view_gather(&p->interior, gl_grad(e, node->out[0]) + n * out_numel, gl_grad(e, node->in[0]) + n * in_numel, 1);
}

const gl_op gl_op_pad = {.name = "Pad", .build = pad_build, .forward = pad_forward, .backward = pad_backward};
