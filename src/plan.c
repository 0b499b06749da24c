/* The memory plan: every activation gets a value and a gradient buffer at a
 * fixed per-image offset, computed once at load. A chunk of N images uses one
 * allocation of N * plan_floats (+ scratch), with every offset scaled by N, so
 * nothing is allocated per operator or per call. Aliases (Reshape, Flatten,
 * folded BatchNorm) share their source's buffers.
 *
 * Values stay alive for the backward pass. Gradients do not: the gradient of a
 * tensor is written from the backward step of its last consumer (nodes run in
 * reverse) until its producer's step reads it, so gradients whose intervals do not
 * overlap share memory. Each is zeroed just before its first writer runs (the
 * operators accumulate into their inputs' gradients), unless that writer fills it
 * whole: it then stores instead (gl_node.grad_store), which saves zeroing and reading
 * back most of the ~27 MB of SqueezeNet 1.1's gradients per image. SqueezeNet 1.1 at
 * 224x224: gradients 20 MB all live at once, a few MB shared. */
#include "graph.h"

static size_t round4(size_t n) { return (n + 3) & ~(size_t)3; /* 16-byte alignment for SIMD */ }

static int root_of(const gl_graph *g, int t) {
    while (g->tensors[t].alias >= 0) t = g->tensors[t].alias;
    return t;
}

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

/* A gradient buffer, reused by gradients whose lifetimes do not overlap. */
typedef struct {
    size_t offset, floats;
    int busy_until; /* the last backward step that reads what it holds */
} grad_slot;

/* Gradient offsets by lifetime (backward step s runs node nnodes-1-s). zero_at[t]: the
 * node before whose backward the root tensor t's gradient is zeroed (its last active
 * consumer; its producer when nothing consumes it; nnodes for the score, which the
 * backward pass seeds). Returns the gradient floats, or 0 when out of memory. */
static size_t plan_gradients(gl_graph *g, const char *used, int *zero_at) {
    int n = g->nnodes;
    for (int t = 0; t < g->ntensors; t++) zero_at[t] = -1;
    for (int k = 0; k < n; k++) {
        const gl_node *node = &g->nodes[k];
        if (!node->active) continue;
        for (int i = 0; i < node->nin; i++) {
            int t = node->in[i];
            if (t >= 0 && g->tensors[t].kind == GL_TENSOR_ACT) zero_at[root_of(g, t)] = k; /* the last one wins */
        }
    }
    zero_at[root_of(g, g->score)] = n;
    /* Roots in the order their lifetimes start: by zero_at, latest node first. */
    int *order = gl_arena_array(&g->arena, (size_t)g->ntensors, sizeof *order);
    grad_slot *slots = gl_arena_array(&g->arena, (size_t)g->ntensors, sizeof *slots);
    if (!order || !slots) return 0;
    int count = 0, nslots = 0;
    for (int t = 0; t < g->ntensors; t++) {
        gl_tensor *x = &g->tensors[t];
        if (x->kind != GL_TENSOR_ACT || !used[t] || x->alias >= 0) continue;
        if (zero_at[t] < 0) zero_at[t] = x->producer >= 0 ? x->producer : 0;
        order[count++] = t;
    }
    for (int i = 1; i < count; i++) /* insertion sort: a few hundred tensors, once */
        for (int j = i; j > 0 && zero_at[order[j - 1]] < zero_at[order[j]]; j--) {
            int swap = order[j];
            order[j] = order[j - 1];
            order[j - 1] = swap;
        }
    size_t total = 0;
    for (int i = 0; i < count; i++) {
        gl_tensor *x = &g->tensors[order[i]];
        size_t need = round4((size_t)x->numel);
        int start = n - 1 - zero_at[order[i]];                  /* -1 for the score: before step 0 */
        int end = x->producer >= 0 ? n - 1 - x->producer : n;  /* the input's lasts to the end */
        grad_slot *best = NULL;
        for (int s = 0; s < nslots; s++) /* the smallest free slot that fits */
            if (slots[s].busy_until < start && slots[s].floats >= need && (!best || slots[s].floats < best->floats))
                best = &slots[s];
        if (!best) {
            best = &slots[nslots++];
            best->offset = total;
            best->floats = need;
            total += need;
        }
        best->busy_until = end;
        x->grad_offset = best->offset;
    }
    return total;
}

/* Whether node k, the first writer of root tensor t's gradient, fills it whole and
 * stores it: it reads t once, as t itself or a same-size alias, and its operator says
 * it writes that input's whole gradient. Marks the node when it does. */
static int first_writer_stores(gl_graph *g, int k, int t) {
    if (k >= g->nnodes) return 0;   /* the score: seeded, not written */
    gl_node *node = &g->nodes[k];
    int input = -1, reads = 0;
    for (int i = 0; i < node->nin; i++)
        if (node->in[i] >= 0 && root_of(g, node->in[i]) == t) input = i, reads++;
    if (reads != 1 || input >= 32 || g->tensors[node->in[input]].numel != g->tensors[t].numel ||
        !node->op->writes_whole_grad || !node->op->writes_whole_grad(node, input))
        return 0;
    node->grad_store |= 1u << input;
    return 1;
}

/* zero_first/zero_list (CSR by node, nnodes + 1 rows, the last for "at the start"):
 * the root tensors whose gradients are zeroed before each node's backward: those
 * whose first writer does not store them whole. */
static int plan_zeroing(gl_graph *g, const char *used, const int *zero_at) {
    int n = g->nnodes;
    char *zeroed = gl_arena_alloc(&g->arena, (size_t)g->ntensors);
    if (!zeroed) return 0;
    for (int t = 0; t < g->ntensors; t++)
        zeroed[t] = g->tensors[t].kind == GL_TENSOR_ACT && used[t] && g->tensors[t].alias < 0 &&
                    !first_writer_stores(g, zero_at[t], t);
    g->zero_first = gl_arena_array(&g->arena, (size_t)n + 2, sizeof *g->zero_first);
    int roots = 0;
    for (int t = 0; t < g->ntensors; t++) roots += zeroed[t];
    g->zero_list = gl_arena_array(&g->arena, (size_t)roots + 1, sizeof *g->zero_list);
    if (!g->zero_first || !g->zero_list) return 0;
    for (int k = 0; k <= n + 1; k++) g->zero_first[k] = 0;
    for (int t = 0; t < g->ntensors; t++)
        if (zeroed[t]) g->zero_first[zero_at[t] + 1]++;
    for (int k = 0; k <= n; k++) g->zero_first[k + 1] += g->zero_first[k];
    int *fill = gl_arena_array(&g->arena, (size_t)n + 1, sizeof *fill);
    if (!fill) return 0;
    for (int k = 0; k <= n; k++) fill[k] = g->zero_first[k];
    for (int t = 0; t < g->ntensors; t++)
        if (zeroed[t]) g->zero_list[fill[zero_at[t]]++] = t;
    return 1;
}

void gl_graph_plan(gl_graph *g) {
    char *used = gl_arena_alloc(&g->arena, (size_t)g->ntensors);
    int *zero_at = gl_arena_array(&g->arena, (size_t)g->ntensors, sizeof *zero_at);
    size_t values = 0, grads = 0;
    /* On allocation failure every tensor simply gets its own buffers, all zeroed at
     * the start of the backward pass. */
    if (used) mark_used(g, used);
    for (int k = 0; k < g->ntensors; k++) {
        gl_tensor *t = &g->tensors[k];
        if (t->kind != GL_TENSOR_ACT || (used && !used[k]) || t->alias >= 0) continue;
        t->offset = values;
        values += round4((size_t)t->numel);
    }
    int shared = used && zero_at && (grads = plan_gradients(g, used, zero_at)) && plan_zeroing(g, used, zero_at);
    if (!shared) {
        g->zero_first = g->zero_list = NULL;
        for (int k = 0; k < g->nnodes; k++) g->nodes[k].grad_store = 0;   /* everything zeroed at the start */
        grads = 0;
        for (int k = 0; k < g->ntensors; k++) {
            gl_tensor *t = &g->tensors[k];
            if (t->kind != GL_TENSOR_ACT || (used && !used[k]) || t->alias >= 0) continue;
            t->grad_offset = grads;
            grads += round4((size_t)t->numel);
        }
    }
    for (int k = 0; k < g->ntensors; k++) { /* aliases point at earlier tensors, already placed */
        gl_tensor *t = &g->tensors[k];
        if (t->kind != GL_TENSOR_ACT || (used && !used[k])) continue;
        if (t->alias >= 0) {
            t->offset = g->tensors[t->alias].offset;
            t->grad_offset = g->tensors[t->alias].grad_offset;
        } else {
            t->grad_offset += values;
        }
    }
    g->grad_base = values;
    g->plan_floats = values + grads;
}
