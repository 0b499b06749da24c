/* numpy broadcasting: shapes aligned at their last dimension, each pair of extents
 * equal or one of them 1. Shared by the elementwise operators on activations
 * (binary.c) and their evaluation on constants at load (const.c). */
#include "../ops.h"
#include "../status.h"

gl_status gl_broadcast_init(gl_broadcast *bc, int n, gl_tensor *const *in) {
    bc->n = n;
    bc->ndim = 0;
    for (int k = 0; k < n; k++)
        if (in[k]->ndim > bc->ndim) bc->ndim = in[k]->ndim;
    bc->numel = 1;
    for (int d = bc->ndim - 1; d >= 0; d--) {
        int out = 1;
        for (int k = 0; k < n; k++) {
            int off = d - (bc->ndim - in[k]->ndim), e = off >= 0 ? in[k]->dims[off] : 1;
            if (e != 1 && out != 1 && e != out)
                return gl_fail(GL_ERR_MODEL, "shapes of '%s' and '%s' do not broadcast (dimension %d: %d vs %d)",
                               in[0]->name, in[k]->name, d, out, e);
            if (e != 1) out = e;
        }
        bc->dims[d] = out;
        bc->numel *= (size_t)out;
    }
    for (int k = 0; k < n; k++) {
        size_t s = 1;
        for (int d = bc->ndim - 1; d >= 0; d--) {
            int off = d - (bc->ndim - in[k]->ndim), e = off >= 0 ? in[k]->dims[off] : 1;
            bc->stride[k][d] = e == 1 ? 0 : s;
            s *= (size_t)e;
        }
    }
    return GL_OK;
}

void gl_broadcast_each(const gl_broadcast *bc, void (*fn)(size_t out, const size_t *in, void *ctx), void *ctx) {
    int idx[GL_MAX_DIMS] = {0};
    size_t offs[3] = {0, 0, 0};
    for (size_t i = 0; i < bc->numel; i++) {
        fn(i, offs, ctx);
        for (int d = bc->ndim - 1; d >= 0; d--) { /* odometer increment */
            for (int k = 0; k < bc->n; k++) offs[k] += bc->stride[k][d];
            if (++idx[d] < bc->dims[d]) break;
            for (int k = 0; k < bc->n; k++) offs[k] -= bc->stride[k][d] * (size_t)bc->dims[d];
            idx[d] = 0;
        }
    }
}
