/* Strided views: the data movement of Transpose, Slice, Split and Pad as one
 * odometer over the view's rows. Simplified views merge contiguous dimensions, so
 * a channel shuffle ((1,2,C/2,H,W) transposed to (1,C/2,2,H,W)) moves whole H*W
 * planes with one memcpy or axpy each. */
#include <string.h>

#include "../ops.h"

gl_view gl_view_of(const gl_tensor *t) {
    gl_view v = {.ndim = t->ndim, .base = 0};
    ptrdiff_t s = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        v.dims[d] = t->dims[d];
        v.stride[d] = s;
        s *= t->dims[d];
    }
    return v;
}

void gl_view_simplify(gl_view *v) {
    int n = 0;
    for (int d = 0; d < v->ndim; d++) {
        if (v->dims[d] == 1) continue;
        if (n > 0 && v->stride[n - 1] == v->stride[d] * v->dims[d]) {  /* d continues dimension n-1 */
            v->dims[n - 1] *= v->dims[d];
            v->stride[n - 1] = v->stride[d];
            continue;
        }
        v->dims[n] = v->dims[d];
        v->stride[n++] = v->stride[d];
    }
    if (n == 0) v->dims[n] = 1, v->stride[n++] = 1;   /* a single element */
    v->ndim = n;
}

/* fn(at, dense, ctx) for each innermost row: dims[ndim-1] elements at buffer offsets
 * at + j * stride[ndim-1], dense offsets dense + j. */
static void each_row(const gl_view *v, void (*fn)(const gl_view *, ptrdiff_t, size_t, void *), void *ctx) {
    int idx[GL_MAX_DIMS] = {0}, last = v->ndim - 1;
    size_t rows = 1, row = (size_t)v->dims[last];
    for (int d = 0; d < last; d++) rows *= (size_t)v->dims[d];
    ptrdiff_t at = v->base;
    for (size_t r = 0; r < rows; r++) {
        fn(v, at, r * row, ctx);
        for (int d = last - 1; d >= 0; d--) { /* odometer increment over the outer dimensions */
            at += v->stride[d];
            if (++idx[d] < v->dims[d]) break;
            at -= v->stride[d] * v->dims[d];
            idx[d] = 0;
        }
    }
}

typedef struct {
    float *buf, *dense;
    int accumulate, gather;
} float_ctx;

static void float_row(const gl_view *v, ptrdiff_t at, size_t dense, void *c) {
    float_ctx *x = c;
    int n = v->dims[v->ndim - 1];
    ptrdiff_t step = v->stride[v->ndim - 1];
    float *b = x->buf + at, *d = x->dense + dense;
    if (step == 1) {
        float *to = x->gather ? d : b, *from = x->gather ? b : d;
        if (x->accumulate) gl_axpy_vec(1.0f, from, (size_t)n, to);
        else memcpy(to, from, (size_t)n * sizeof(float));
        return;
    }
    for (int j = 0; j < n; j++) {
        float *to = x->gather ? &d[j] : &b[j * step], from = x->gather ? b[j * step] : d[j];
        *to = x->accumulate ? *to + from : from;
    }
}

void gl_view_gather(const gl_view *v, const float *buf, float *dense, int accumulate) {
    float_ctx c = {(float *)buf, dense, accumulate, 1};  /* only read through */
    each_row(v, float_row, &c);
}

void gl_view_scatter(const gl_view *v, const float *dense, float *buf, int accumulate) {
    float_ctx c = {buf, (float *)dense, accumulate, 0};  /* only read through */
    each_row(v, float_row, &c);
}

typedef struct {
    const char *buf;
    char *dense;
    size_t elem;
} bytes_ctx;

static void bytes_row(const gl_view *v, ptrdiff_t at, size_t dense, void *c) {
    bytes_ctx *x = c;
    for (int j = 0; j < v->dims[v->ndim - 1]; j++)
        memcpy(x->dense + (dense + (size_t)j) * x->elem, x->buf + (at + j * v->stride[v->ndim - 1]) * (ptrdiff_t)x->elem,
               x->elem);
}

void gl_view_gather_bytes(const gl_view *v, const void *buf, void *dense, size_t elem) {
    bytes_ctx c = {buf, dense, elem};
    each_row(v, bytes_row, &c);
}

void gl_view_forward(const gl_view *v, int in, int out, const gl_exec *e) {
    size_t in_numel = (size_t)gl_t(e, in)->numel, out_numel = (size_t)gl_t(e, out)->numel;
    for (int n = 0; n < e->N; n++)
        gl_view_gather(v, gl_value(e, in) + n * in_numel, gl_value(e, out) + n * out_numel, 0);
}

void gl_view_backward(const gl_view *v, int in, int out, const gl_exec *e) {
    size_t in_numel = (size_t)gl_t(e, in)->numel, out_numel = (size_t)gl_t(e, out)->numel;
    for (int n = 0; n < e->N; n++)
        gl_view_scatter(v, gl_grad(e, out) + n * out_numel, gl_grad(e, in) + n * in_numel, 1);
}
