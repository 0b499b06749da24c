/* Load-time folding of per-channel affine layers into the Conv that feeds them:
 * y = a[c] * conv(x)[c] + b[c] is again a convolution, so BatchNormalization
 * after a Conv (and the separate bias Add that CNTK and others emit) costs
 * nothing at run time. The folded node becomes an alias of the Conv's output. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "status.h"

extern const gl_op gl_op_conv, gl_op_batchnorm, gl_op_add;

static int consumers(const gl_graph *g, int t) {
    int n = 0;
    for (int k = 0; k < g->nnodes; k++)
        for (int i = 0; i < g->nodes[k].nin; i++) n += g->nodes[k].in[i] == t;
    return n;
}

/* The per-channel constant of an Add after a Conv with `channels` outputs:
 * shape (C,1,1) or (1,C,1,1), else NULL. */
static const float *channel_bias(const gl_graph *g, const gl_node *add, int channels, int *conv_input) {
    for (int k = 0; k < 2; k++) {
        const gl_tensor *c = &g->tensors[add->in[1 - k]], *x = &g->tensors[add->in[k]];
        if (c->kind != GL_TENSOR_CONST || !c->f || c->numel != channels || x->ndim != 4) continue;
        if (c->ndim < 3 || c->ndim > 4 || c->dims[c->ndim - 3] != channels) continue;
        *conv_input = k;
        return c->f;
    }
    return NULL;
}

gl_status gl_graph_fold(gl_graph *g) {
    float *ones = NULL;
    for (int k = 0; k < g->nnodes; k++) {
        gl_node *node = &g->nodes[k];
        if (node->op != &gl_op_batchnorm && node->op != &gl_op_add) continue;
        const float *a, *b;
        int x = 0;
        if (node->op == &gl_op_batchnorm) {
            gl_batchnorm_affine(node, &a, &b);
        } else {
            const gl_tensor *t0 = &g->tensors[node->in[0]];
            int channels = t0->ndim == 4 ? t0->dims[1] : g->tensors[node->in[1]].ndim == 4 ? g->tensors[node->in[1]].dims[1] : 0;
            if (!(b = channel_bias(g, node, channels, &x))) continue;
            free(ones);
            if (!(ones = malloc((size_t)channels * sizeof(float)))) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
            for (int c = 0; c < channels; c++) ones[c] = 1.0f;
            a = ones;
        }
        int conv_out = node->in[x], producer = g->tensors[conv_out].producer;
        if (producer < 0 || g->nodes[producer].op != &gl_op_conv || consumers(g, conv_out) != 1) continue;
        gl_conv_fold_affine(&g->nodes[producer], a, b);
        node->op = &gl_op_identity;
        g->tensors[node->out[0]].alias = conv_out;
    }
    free(ones);
    return GL_OK;
}
