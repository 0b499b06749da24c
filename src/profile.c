/* Per-node timing for benchmarks, and the FLOP count that turns it into GFLOP/s.
 *
 * The clock is clock_gettime(CLOCK_MONOTONIC): natively the C library's, in the
 * standalone wasm builds the WASI import clock_time_get that js/engine.js supplies
 * from performance.now(). Read only while profiling is on. */
#define _POSIX_C_SOURCE 199309L  /* clock_gettime under -std=c11 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "profile.h"
#include "status.h"

double gl_clock_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* An output element of a Conv takes (weights per output channel) multiply-adds, one
 * of a Gemm or MatMul takes K (the activation's last dimension). */
double gl_node_flops(const gl_graph *g, const gl_node *node) {
    if (!node->op || node->out[0] < 0 || g->tensors[node->out[0]].kind != GL_TENSOR_ACT) return 0;
    const gl_tensor *out = &g->tensors[node->out[0]], *a = &g->tensors[node->in[0]];
    if (!strcmp(node->op->name, "Conv")) {
        const gl_tensor *w = &g->tensors[node->in[1]];
        return 2.0 * out->numel * (w->numel / w->dims[0]);
    }
    if (!strcmp(node->op->name, "Gemm") || !strcmp(node->op->name, "MatMul")) return 2.0 * out->numel * a->dims[a->ndim - 1];
    return 0;
}

gl_status gl_model_profile(gl_model *m, int enable) {
    free(m->profile);
    m->profile = NULL;
    if (!enable) return GL_OK;
    m->profile = calloc(m->g.nnodes ? (size_t)m->g.nnodes : 1, sizeof *m->profile);
    return m->profile ? GL_OK : gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory for the profile");
}

int gl_model_node_count(const gl_model *m) { return m->g.nnodes; }

gl_status gl_model_node_profile(const gl_model *m, int k, gl_node_profile *out) {
    if (k < 0 || k >= m->g.nnodes) return gl_fail(GL_ERR_ARGUMENT, "node %d is not in this model (%d nodes)", k, m->g.nnodes);
    const gl_node *node = &m->g.nodes[k];
    memset(out, 0, sizeof *out);
    /* exporters often leave nodes unnamed: then the name of what the node computes */
    out->name = node->name && *node->name ? node->name : node->nout && node->out[0] >= 0 ? m->g.tensors[node->out[0]].name : "";
    out->op = node->op ? node->op->name : "";
    out->algorithm = node->op && node->op->algorithm && node->p ? node->op->algorithm(node) : "";
    out->active = node->active && node->op && node->op->forward;
    out->flops = gl_node_flops(&m->g, node);
    const gl_tensor *x = node->nin > 0 && node->in[0] >= 0 ? &m->g.tensors[node->in[0]] : NULL;
    const gl_tensor *w = node->nin > 1 && node->in[1] >= 0 ? &m->g.tensors[node->in[1]] : NULL;
    for (int d = 0; x && d < x->ndim && d < 4; d++) out->input_dims[d] = x->dims[d];
    for (int d = 0; w && w->kind == GL_TENSOR_CONST && d < w->ndim && d < 4; d++) out->weight_dims[d] = w->dims[d];
    if (m->profile) out->time = m->profile[k];
    return GL_OK;
}
