/* Running the graph over a chunk of images: forward, and backward from any
 * weighting of the scores. */
#include <string.h>

#include "graph.h"
#include "kernels.h"
#include "parallel.h"
#include "profile.h"

/* Runs node k forward or backward, timed when profiling. */
static void run_node(const gl_exec *e, int k, int backward) {
    const gl_node *node = &e->g->nodes[k];
    void (*step)(const gl_node *, const gl_exec *) = backward ? node->op->backward : node->op->forward;
    if (!node->active || !step) return;
    if (!e->profile) {
        step(node, e);
        return;
    }
    double t0 = gl_clock_ms();
    step(node, e);
    double ms = gl_clock_ms() - t0;
    gl_node_time *t = &e->profile[k];
    if (backward) t->backward_ms += ms, t->backward_images += e->N;
    else t->forward_ms += ms, t->forward_images += e->N;
}

void gl_exec_forward(const gl_exec *e, const float *pixels) {
    const gl_graph *g = e->g;
    size_t plane = (size_t)g->h * g->w;
    float *z = gl_value(e, g->input);                   /* (N, c, h, w) */
    for (int n = 0; n < e->N; n++)
        for (int c = 0; c < g->c; c++) {
            size_t off = ((size_t)n * g->c + c) * plane;
            gl_affine_vec(pixels + off, g->pre_a[c], g->pre_b[c], plane, z + off);
        }
    for (int k = 0; k < g->nnodes; k++) run_node(e, k, 0);
}

enum { ZERO_GRAIN = 16384 }; /* floats per share at least */

static void zero_blocks(void *buffer, int b0, int b1) {
    gl_fill((float *)buffer + (size_t)b0 * ZERO_GRAIN, 0.0f, (size_t)(b1 - b0) * ZERO_GRAIN);
}

/* The gradients whose lifetime starts at node k's backward (k = nnodes: the start),
 * split across threads in whole blocks, the tail on this one. */
static void zero_gradients(const gl_exec *e, int k) {
    const gl_graph *g = e->g;
    for (int i = g->zero_first[k]; i < g->zero_first[k + 1]; i++) {
        int t = g->zero_list[i];
        size_t n = (size_t)g->tensors[t].numel * e->N, blocks = n / ZERO_GRAIN;
        float *grad = gl_grad(e, t);
        gl_parallel_for((int)blocks, 1, zero_blocks, grad);
        gl_fill(grad + blocks * ZERO_GRAIN, 0.0f, n - blocks * ZERO_GRAIN);
    }
}

void gl_exec_backward(const gl_exec *e, const float *dscore, int stop, float *dpixels) {
    const gl_graph *g = e->g;
    /* Every operator accumulates into its inputs' gradients (fan-out sums). */
    if (!g->zero_first) gl_fill(e->mem + g->grad_base * (size_t)e->N, 0.0f, (g->plan_floats - g->grad_base) * (size_t)e->N);
    else zero_gradients(e, g->nnodes);
    memcpy(gl_grad(e, g->score), dscore, (size_t)e->N * g->classes * sizeof(float));
    int root = stop;
    while (root >= 0 && g->tensors[root].alias >= 0) root = g->tensors[root].alias;
    int first = root >= 0 ? g->tensors[root].producer + 1 : 0;
    for (int k = g->nnodes - 1; k >= first; k--) {
        if (g->zero_first) zero_gradients(e, k);
        run_node(e, k, 1);
    }
    if (stop >= 0) return;
    size_t plane = (size_t)g->h * g->w;
    const float *dz = gl_grad(e, g->input);
    for (int n = 0; n < e->N; n++)
        for (int c = 0; c < g->c; c++) {
            size_t off = ((size_t)n * g->c + c) * plane;
            gl_affine_vec(dz + off, g->pre_a[c], 0.0f, plane, dpixels + off);
        }
}
