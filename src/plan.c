/* The memory plan: every activation gets a value and a gradient buffer at a
 * fixed per-image offset, computed once at load. A chunk of N images uses one
 * allocation of N * plan_floats (+ scratch), with every offset scaled by N, so
 * nothing is allocated per operator or per call. Aliases (Reshape, Flatten,
 * folded BatchNorm) share their source's buffers. Values stay alive for the
 * backward pass; gradients are all live at once too: simple and, for the
 * classifiers in scope, a few tens of MB at 224x224. */
#include "graph.h"

static size_t round4(size_t n) { return (n + 3) & ~(size_t)3; /* 16-byte alignment for SIMD */ }

static void mark_used(const gl_graph *g, char *used) {
    used[g->input] = 1;
    for (int k = 0; k < g->nnodes; k++) {
        const gl_node *node = &g->nodes[k];
        if (!node->active) continue;
        for (int i = 0; i < node->nin; i++)
            if (node->in[i] >= 0) used[node->in[i]] = 1;
        for (int o = 0; o < node->nout; o++)
            if (node->out[o] >= 0) used[node->out[o]] = 1;
    }
}

void gl_graph_plan(gl_graph *g) {
    char *used = gl_arena_alloc(&g->arena, (size_t)g->ntensors);
    size_t values = 0, grads = 0;
    /* On allocation failure every tensor simply gets its own buffer. */
    if (used) mark_used(g, used);
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < g->ntensors; k++) {
            gl_tensor *t = &g->tensors[k];
            if (t->kind != GL_TENSOR_ACT || (used && !used[k])) continue;
            if (t->alias >= 0) { /* aliases point at earlier tensors, already placed */
                t->offset = g->tensors[t->alias].offset;
                t->grad_offset = g->tensors[t->alias].grad_offset;
            } else if (pass == 0) {
                t->offset = values;
                values += round4((size_t)t->numel);
            } else {
                t->grad_offset = values + grads;
                grads += round4((size_t)t->numel);
            }
        }
    }
    g->grad_base = values;
    g->plan_floats = values + grads;
}
