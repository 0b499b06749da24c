/* From a parsed ONNX model to the engine's static graph: tensors named and
 * shaped, operators bound and their weights prepacked, the score tensor found,
 * the nodes that compute it marked, and the memory planned. */
#include <stdio.h>
#include <string.h>

#include "graph.h"
#include "status.h"

/* ---- tensor names: open addressing over the tensor array ----------------- */
typedef struct {
    int *slots;   /* tensor id + 1; 0 = empty */
    int cap;      /* power of two */
} name_table;

static uint32_t hash_name(const char *s) {
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static int *name_slot(const name_table *nt, const gl_graph *g, const char *name) {
    for (uint32_t k = hash_name(name);; k++) {
        int *slot = &nt->slots[k & (uint32_t)(nt->cap - 1)];
        if (!*slot || !strcmp(g->tensors[*slot - 1].name, name)) return slot;
    }
}

static int find_name(const name_table *nt, const gl_graph *g, const char *name) {
    return *name_slot(nt, g, name) - 1;
}

/* ---- build helpers used by the operators --------------------------------- */
int64_t gl_attr_int(const gl_build *b, const char *name, int64_t dflt) {
    const onnx_attr *a = onnx_find_attr(b->src, name);
    return a && a->type == ONNX_ATTR_INT ? a->i : dflt;
}

float gl_attr_float(const gl_build *b, const char *name, float dflt) {
    const onnx_attr *a = onnx_find_attr(b->src, name);
    return a && a->type == ONNX_ATTR_FLOAT ? a->f : dflt;
}

const char *gl_attr_string(const gl_build *b, const char *name, const char *dflt) {
    const onnx_attr *a = onnx_find_attr(b->src, name);
    return a && a->type == ONNX_ATTR_STRING ? a->s : dflt;
}

int gl_attr_ints(const gl_build *b, const char *name, int64_t *out, int max) {
    const onnx_attr *a = onnx_find_attr(b->src, name);
    if (!a || a->type != ONNX_ATTR_INTS) return -1;
    for (int k = 0; k < a->n && k < max; k++) out[k] = a->ints[k];
    return a->n;
}

gl_status gl_const_ints(const gl_build *b, int k, const char *what, int64_t *out, int max, int *n) {
    gl_tensor *t = gl_input(b, k);
    if (!t) return gl_fail(GL_ERR_MODEL, "missing input %d (%s)", k, what);
    if (t->kind != GL_TENSOR_CONST || !t->i)
        return gl_fail(GL_ERR_UNSUPPORTED, "%s '%s' must be a constant integer tensor", what, t->name);
    if (t->numel > max) return gl_fail(GL_ERR_UNSUPPORTED, "%s '%s' has %d values (at most %d)", what, t->name, t->numel, max);
    for (int j = 0; j < t->numel; j++) out[j] = t->i[j];
    *n = t->numel;
    return GL_OK;
}

gl_status gl_axes(const gl_build *b, int64_t input_opset, int k, int rank, int *axes, int *n) {
    int64_t raw[GL_MAX_DIMS];
    gl_status st = GL_OK;
    if (b->g->opset < input_opset) {
        *n = gl_attr_ints(b, "axes", raw, GL_MAX_DIMS);
        if (*n > GL_MAX_DIMS) return gl_fail(GL_ERR_UNSUPPORTED, "%d axes (at most %d)", *n, GL_MAX_DIMS);
    } else if (gl_input(b, k)) {
        st = gl_const_ints(b, k, "axes", raw, GL_MAX_DIMS, n);
    } else {
        *n = -1;
    }
    for (int j = 0; !st && j < *n; j++) {
        if (raw[j] < -rank || raw[j] >= rank) return gl_fail(GL_ERR_MODEL, "axis %lld is out of range for rank %d", (long long)raw[j], rank);
        axes[j] = (int)(raw[j] < 0 ? raw[j] + rank : raw[j]);
        for (int i = 0; i < j; i++)
            if (axes[i] == axes[j]) return gl_fail(GL_ERR_MODEL, "axis %d is given twice", axes[j]);
    }
    return st;
}

gl_tensor *gl_input(const gl_build *b, int k) {
    if (k >= b->node->nin || b->node->in[k] < 0) return NULL;
    return &b->g->tensors[b->node->in[k]];
}

gl_status gl_require_const_float(const gl_build *b, int k, const char *what, gl_tensor **out) {
    gl_tensor *t = gl_input(b, k);
    if (!t) return gl_fail(GL_ERR_MODEL, "missing input %d (%s)", k, what);
    if (t->kind != GL_TENSOR_CONST)
        return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' (%s) must be a constant (an initializer)", t->name, what);
    if (!t->f) return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' (%s) must be a float tensor", t->name, what);
    *out = t;
    return GL_OK;
}

gl_status gl_require_const(const gl_build *b, int k, gl_tensor **out) {
    gl_tensor *t = gl_input(b, k);
    if (!t) return gl_fail(GL_ERR_MODEL, "missing input %d", k);
    if (t->kind != GL_TENSOR_CONST || (!t->f && !t->i))
        return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' must be a constant of float or integer values", t->name);
    *out = t;
    return GL_OK;
}

gl_status gl_require_activation(const gl_build *b, int k, gl_tensor **out) {
    gl_tensor *t = gl_input(b, k);
    if (!t) return gl_fail(GL_ERR_MODEL, "missing input %d", k);
    if (t->kind != GL_TENSOR_ACT)
        return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' is a constant; operators on constants only are not supported",
                       t->name);
    *out = t;
    return GL_OK;
}

gl_status gl_build_output(gl_build *b, int k, int ndim, const int *dims, int alias_of) {
    if (k >= b->node->nout) return gl_fail(GL_ERR_MODEL, "missing output %d", k);
    gl_tensor *t = &b->g->tensors[b->node->out[k]];
    if (ndim > GL_MAX_DIMS) return gl_fail(GL_ERR_UNSUPPORTED, "output '%s' has %d dimensions", t->name, ndim);
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (dims[d] <= 0) return gl_fail(GL_ERR_MODEL, "output '%s': dimension %d is %d", t->name, d, dims[d]);
        numel *= dims[d];
        if (numel > (1 << 28))
            return gl_fail(GL_ERR_UNSUPPORTED, "output '%s' would have more than 2^28 elements per image", t->name);
        t->dims[d] = dims[d];
    }
    t->ndim = ndim;
    t->numel = (int)numel;
    t->alias = alias_of;
    return GL_OK;
}

/* Whether n more items of size bytes stay within the budget. */
static int within_budget(const gl_graph *g, size_t n, size_t size) {
    return !g->budget || (n <= g->budget / (size ? size : 1) && g->arena.bytes <= g->budget - n * size);
}

/* The graph arena within the budget; NULL (over_budget set) beyond it. */
static void *budgeted(gl_graph *g, size_t n, size_t size) {
    if (!within_budget(g, n, size)) {
        g->over_budget = 1;
        return NULL;
    }
    return gl_arena_array(&g->arena, n, size);
}

gl_status gl_build_const(gl_build *b, int k, int ndim, const int *dims, int is_float, void **data) {
    if (k >= b->node->nout || b->node->out[k] < 0) return gl_fail(GL_ERR_MODEL, "missing output %d", k);
    gl_tensor *t = &b->g->tensors[b->node->out[k]];
    if (ndim > GL_MAX_DIMS) return gl_fail(GL_ERR_UNSUPPORTED, "constant '%s' has %d dimensions", t->name, ndim);
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (dims[d] < 0) return gl_fail(GL_ERR_MODEL, "constant '%s': dimension %d is %d", t->name, d, dims[d]);
        numel *= dims[d];
        if (numel > (1 << 24))
            return gl_fail(GL_ERR_UNSUPPORTED, "constant '%s' computed at load would have more than 2^24 elements", t->name);
        t->dims[d] = dims[d];
    }
    t->kind = GL_TENSOR_CONST;
    t->ndim = ndim;
    t->numel = (int)numel;
    t->alias = -1;
    /* one spare element: a pointer even for an empty constant */
    *data = budgeted(b->g, (size_t)numel + 1, is_float ? sizeof(float) : sizeof(int64_t));
    if (!*data) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    t->f = is_float ? *data : NULL;
    t->i = is_float ? NULL : *data;
    return GL_OK;
}

void *gl_build_alloc(gl_build *b, size_t bytes) { return budgeted(b->g, bytes, 1); }

void *gl_build_alloc_optional(gl_build *b, size_t bytes) {
    return within_budget(b->g, bytes, 1) ? gl_arena_array(&b->g->arena, bytes, 1) : NULL;
}

/* Names outlive the parsed ONNX (it is freed after load): the graph keeps copies. */
static const char *keep_name(gl_graph *g, const char *name) {
    const char *copy = gl_arena_strndup(&g->arena, name, strlen(name));
    return copy ? copy : "";
}

/* ---- graph construction -------------------------------------------------- */
static gl_status oom(void) { return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory building the graph"); }

static gl_status add_const(gl_graph *g, name_table *nt, const onnx_tensor *ot, const char *name) {
    int *slot = name_slot(nt, g, name);
    gl_tensor *t = &g->tensors[*slot ? *slot - 1 : g->ntensors];
    if (!*slot) *slot = ++g->ntensors;
    memset(t, 0, sizeof *t);
    t->name = keep_name(g, name);
    t->kind = GL_TENSOR_CONST;
    t->ndim = ot->ndim > GL_MAX_DIMS ? GL_MAX_DIMS : ot->ndim;
    for (int d = 0; d < t->ndim; d++) t->dims[d] = (int)ot->dims[d];
    t->numel = (int)ot->numel;
    t->f = ot->f;
    t->i = ot->i;
    t->alias = t->producer = -1;
    return GL_OK;
}

/* Constant nodes become constant tensors (value, value_float(s), value_int(s)). */
static gl_status add_constant_node(gl_graph *g, name_table *nt, const onnx_node *on) {
    if (on->noutputs != 1) return gl_fail(GL_ERR_MODEL, "Constant node '%s' must have one output", on->name);
    onnx_tensor *t = gl_arena_alloc(&g->arena, sizeof *t);
    if (!t) return oom();
    const onnx_attr *a = on->nattrs ? &on->attrs[0] : NULL;
    if (a && a->type == ONNX_ATTR_TENSOR) {
        *t = *a->t;
    } else if (a && (a->type == ONNX_ATTR_FLOAT || a->type == ONNX_ATTR_FLOATS)) {
        int n = a->type == ONNX_ATTR_FLOAT ? 1 : a->n;
        t->dtype = ONNX_FLOAT;
        t->ndim = a->type == ONNX_ATTR_FLOATS;
        t->dims[0] = t->numel = n;
        if (!(t->f = gl_arena_array(&g->arena, (size_t)n + 1, sizeof(float)))) return oom();
        if (a->type == ONNX_ATTR_FLOAT) t->f[0] = a->f;
        else memcpy(t->f, a->floats, (size_t)n * sizeof(float));
    } else if (a && (a->type == ONNX_ATTR_INT || a->type == ONNX_ATTR_INTS)) {
        int n = a->type == ONNX_ATTR_INT ? 1 : a->n;
        t->dtype = ONNX_INT64;
        t->ndim = a->type == ONNX_ATTR_INTS;
        t->dims[0] = t->numel = n;
        if (!(t->i = gl_arena_array(&g->arena, (size_t)n + 1, sizeof(int64_t)))) return oom();
        if (a->type == ONNX_ATTR_INT) t->i[0] = a->i;
        else memcpy(t->i, a->ints, (size_t)n * sizeof(int64_t));
    } else {
        return gl_fail(GL_ERR_UNSUPPORTED, "Constant node '%s': unsupported value attribute '%s'", on->name,
                       a ? a->name : "(none)");
    }
    return add_const(g, nt, t, on->outputs[0]);
}

/* The operator of an ONNX node, NULL when the engine lacks it (or its domain). */
static const gl_op *find_op(const onnx_node *on) {
    int default_domain = !strcmp(on->domain, "") || !strcmp(on->domain, "ai.onnx");
    return default_domain ? gl_find_op(on->op_type) : NULL;
}

/* Every unsupported operator in one message, so a user sees the whole list. */
static gl_status check_operators(const onnx_model *om) {
    char list[600] = "";
    int count = 0;
    size_t len = 0;
    for (int k = 0; k < om->nnodes; k++) {
        const onnx_node *on = &om->nodes[k];
        int default_domain = !strcmp(on->domain, "") || !strcmp(on->domain, "ai.onnx");
        if ((!strcmp(on->op_type, "Constant") && default_domain) || find_op(on)) continue;
        if (count++ < 6 && len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s%s%s (node '%s')", count > 1 ? ", " : "",
                                    default_domain ? "" : on->domain, default_domain ? "" : "::", on->op_type,
                                    on->name);
    }
    if (!count) return GL_OK;
    return gl_fail(GL_ERR_UNSUPPORTED, "unsupported operator%s: %s%s", count > 1 ? "s" : "", list,
                   count > 6 ? ", ..." : "");
}

/* A tensor nothing can be computed from (inspection only): its producer could not be built. */
static void add_unknown(gl_graph *g, name_table *nt, const char *name) {
    int *slot = name_slot(nt, g, name);
    if (*slot) return;
    *slot = ++g->ntensors;
    gl_tensor *t = &g->tensors[*slot - 1];
    t->name = keep_name(g, name);
    t->kind = GL_TENSOR_UNKNOWN;
    t->alias = t->producer = -1;
}

static gl_status add_input(gl_graph *g, name_table *nt, const onnx_model *om) {
    const onnx_value_info *in = NULL;
    for (int k = 0; k < om->ninputs; k++) {
        if (find_name(nt, g, om->inputs[k].name) >= 0) continue; /* old IR lists initializers as inputs */
        if (in) return gl_fail(GL_ERR_UNSUPPORTED, "the model has several inputs ('%s', '%s'); one image input is supported",
                               in->name, om->inputs[k].name);
        in = &om->inputs[k];
    }
    if (!in) return gl_fail(GL_ERR_MODEL, "the model has no input");
    if (in->elem_type != ONNX_FLOAT && in->elem_type != ONNX_FLOAT16)
        return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' has element type %d; float or float16 images are supported",
                       in->name, in->elem_type);
    if (in->ndim != 4 || in->dims[1] <= 0 || in->dims[2] <= 0 || in->dims[3] <= 0)
        return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' must have a static NCHW shape (got %d dimensions)", in->name,
                       in->ndim);
    if (in->dims[0] > 1)
        return gl_fail(GL_ERR_UNSUPPORTED,
                       "input '%s' has a fixed batch of %lld; export the model with batch 1 or a dynamic batch",
                       in->name, (long long)in->dims[0]);
    if (in->dims[1] > GL_MAX_CHANNELS || in->dims[2] > 8192 || in->dims[3] > 8192)
        return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' of %lldx%lldx%lld is not an image size the engine supports",
                       in->name, (long long)in->dims[1], (long long)in->dims[2], (long long)in->dims[3]);
    g->c = (int)in->dims[1];
    g->h = (int)in->dims[2];
    g->w = (int)in->dims[3];
    g->input = g->ntensors++;
    *name_slot(nt, g, in->name) = g->input + 1;
    gl_tensor *t = &g->tensors[g->input];
    t->name = keep_name(g, in->name);
    t->kind = GL_TENSOR_ACT;
    t->ndim = 4;
    int dims[4] = {1, g->c, g->h, g->w};
    memcpy(t->dims, dims, sizeof dims);
    t->numel = g->c * g->h * g->w;
    t->alias = t->producer = -1;
    for (int c = 0; c < GL_MAX_CHANNELS; c++) g->pre_a[c] = 1.0f;
    return GL_OK;
}

/* Per-image semantics hold only while every activation keeps the batch first: a chunk
 * of N images is N copies of the per-image tensor. */
static gl_status check_batch_first(const gl_graph *g, const gl_node *node) {
    for (int k = 0; k < node->nout; k++) {
        const gl_tensor *t = node->out[k] >= 0 ? &g->tensors[node->out[k]] : NULL;
        if (t && t->kind == GL_TENSOR_ACT && t->numel && (t->ndim < 1 || t->dims[0] != 1))
            return gl_fail(GL_ERR_UNSUPPORTED, "output '%s' would not keep the batch as its first dimension", t->name);
    }
    return GL_OK;
}

static int all_constant(const gl_graph *g, const gl_node *node) {
    for (int k = 0; k < node->nin; k++)
        if (node->in[k] >= 0 && g->tensors[node->in[k]].kind != GL_TENSOR_CONST) return 0;
    return 1;
}

/* Names and links the node's tensors; *unknown = 1 when an input is unknown (inspection). */
static gl_status link_node(gl_graph *g, name_table *nt, const onnx_node *on, gl_node *node, int *unknown) {
    node->name = keep_name(g, on->name);
    node->nin = on->ninputs;
    node->nout = on->noutputs;
    node->in = gl_arena_array(&g->arena, (size_t)on->ninputs + 1, sizeof(int));
    node->out = gl_arena_array(&g->arena, (size_t)on->noutputs + 1, sizeof(int));
    if (!node->in || !node->out) return oom();
    for (int k = 0; k < on->ninputs; k++) {
        node->in[k] = on->inputs[k][0] ? find_name(nt, g, on->inputs[k]) : -1;
        if (on->inputs[k][0] && node->in[k] < 0)
            return gl_fail(GL_ERR_MODEL, "input '%s' is not produced by an earlier node (dangling input, cycle or unsorted graph)",
                           on->inputs[k]);
        if (node->in[k] >= 0 && g->tensors[node->in[k]].kind == GL_TENSOR_UNKNOWN) *unknown = 1;
        if (node->in[k] >= 0 && g->tensors[node->in[k]].kind == GL_TENSOR_ACT && !g->tensors[node->in[k]].numel)
            return gl_fail(GL_ERR_UNSUPPORTED, "input '%s' is an optional output the engine does not compute",
                           on->inputs[k]);
    }
    for (int k = 0; k < on->noutputs; k++) {
        if (!on->outputs[k][0]) { node->out[k] = -1; continue; }
        int *slot = name_slot(nt, g, on->outputs[k]);
        if (*slot) return gl_fail(GL_ERR_MODEL, "tensor '%s' is produced twice", on->outputs[k]);
        node->out[k] = g->ntensors++;
        *slot = node->out[k] + 1;
        gl_tensor *t = &g->tensors[node->out[k]];
        t->name = keep_name(g, on->outputs[k]);
        t->kind = GL_TENSOR_ACT;
        t->alias = -1;
        t->producer = g->nnodes;
    }
    return GL_OK;
}

static gl_status build_node(gl_graph *g, name_table *nt, const onnx_node *on, int *unknown) {
    gl_node *node = &g->nodes[g->nnodes];
    node->op = find_op(on);
    gl_status st = link_node(g, nt, on, node, unknown);
    if (st || *unknown || !node->op) return st;
    gl_build b = {g, on, node};
    g->nnodes++;
    if (node->op->fold && all_constant(g, node)) st = node->op->fold(&b);
    else if (node->op->build) st = node->op->build(&b);
    else st = gl_fail(GL_ERR_UNSUPPORTED, "%s is supported on constants only (shape computations)", node->op->name);
    /* An output the operator did not declare (an unused optional one) must stay unused. */
    for (int k = 0; !st && k < on->noutputs; k++)
        if (node->out[k] >= 0 && g->tensors[node->out[k]].kind == GL_TENSOR_ACT && !g->tensors[node->out[k]].numel)
            node->out[k] = -1;
    return st ? st : check_batch_first(g, node);
}

static int is_op(const gl_graph *g, int t, const char *name) {
    int p = g->tensors[t].producer;
    return p >= 0 && !strcmp(g->nodes[p].op->name, name);
}

/* The score is the tensor feeding a final Softmax / LogSoftmax (looking through
 * aliases such as Flatten), else the first graph output itself. */
static gl_status find_score(gl_graph *g, const onnx_model *om) {
    if (om->noutputs < 1) return gl_fail(GL_ERR_MODEL, "the model has no output");
    int out = -1;
    for (int t = 0; t < g->ntensors && out < 0; t++)
        if (!strcmp(g->tensors[t].name, om->outputs[0].name)) out = t;
    if (out < 0 || g->tensors[out].kind != GL_TENSOR_ACT)
        return gl_fail(GL_ERR_MODEL, "output '%s' is not computed by the graph", om->outputs[0].name);
    g->score = out;
    for (int t = out; g->tensors[t].producer >= 0;) {
        if (is_op(g, t, "Softmax") || is_op(g, t, "LogSoftmax")) {
            g->score = g->nodes[g->tensors[t].producer].in[0];
            break;
        }
        if (g->tensors[t].alias < 0) break;
        t = g->tensors[t].alias;
    }
    g->classes = g->tensors[g->score].numel;
    return GL_OK;
}

/* Marks the nodes the score depends on; anything else after it (the Softmax)
 * never runs. A Softmax needed before the score is not supported. */
static gl_status mark_active(gl_graph *g) {
    char *needed = gl_arena_alloc(&g->arena, (size_t)g->ntensors);
    if (!needed) return oom();
    needed[g->score] = 1;
    for (int k = g->nnodes - 1; k >= 0; k--) {
        gl_node *node = &g->nodes[k];
        for (int o = 0; o < node->nout && !node->active; o++)
            node->active = node->out[o] >= 0 && needed[node->out[o]] && g->tensors[node->out[o]].kind == GL_TENSOR_ACT;
        if (!node->active) continue;
        if (!node->op->forward && g->tensors[node->out[0]].alias < 0)
            return gl_fail(GL_ERR_UNSUPPORTED, "node '%s': %s is supported only as the final layer", node->name,
                           node->op->name);
        for (int i = 0; i < node->nin; i++)
            if (node->in[i] >= 0) needed[node->in[i]] = 1;
    }
    if (!needed[g->input])
        return gl_fail(GL_ERR_MODEL, "the output '%s' does not depend on the input", g->tensors[g->score].name);
    return GL_OK;
}

/* How many active nodes read tensor t. */
static int readers(const gl_graph *g, int t) {
    int n = 0;
    for (int k = 0; k < g->nnodes; k++)
        for (int i = 0; i < g->nodes[k].nin; i++) n += g->nodes[k].active && g->nodes[k].in[i] == t;
    return n;
}

/* SqueezeNet-style networks classify with a Conv of one output channel per class,
 * followed by channel-wise nodes only (ReLU, global average pooling, views) up to the
 * score, each the only reader of what it reads. Marks that Conv: a run that needs one
 * class's score per image (gl_exec.only_class) lets it compute that channel alone
 * (SqueezeNet 1.1: 87M of its 350M multiply-adds). */
static void find_class_conv(gl_graph *g) {
    for (int t = g->score; g->tensors[t].producer >= 0;) {
        gl_node *node = &g->nodes[g->tensors[t].producer];
        const char *op = node->op->name;
        if (!strcmp(op, "Conv")) {
            node->class_conv = g->tensors[t].ndim == 4 && g->tensors[t].dims[1] == g->classes;
            return;
        }
        int src = g->tensors[t].alias >= 0 ? g->tensors[t].alias : node->in[0];
        if ((g->tensors[t].alias < 0 && strcmp(op, "Relu") && strcmp(op, "GlobalAveragePool")) || readers(g, src) != 1)
            return;
        t = src;
    }
}

gl_status gl_graph_build_nodes(const onnx_model *om, gl_graph *g, gl_skip_fn skipped, void *user) {
    int max_tensors = om->ninits + om->ninputs + 1;
    for (int k = 0; k < om->nnodes; k++) max_tensors += om->nodes[k].noutputs;
    name_table nt = {NULL, 16};
    while (nt.cap < 2 * max_tensors) nt.cap *= 2;
    nt.slots = gl_arena_array(&g->arena, (size_t)nt.cap, sizeof(int));
    g->tensors = gl_arena_array(&g->arena, (size_t)max_tensors, sizeof(gl_tensor));
    g->nodes = gl_arena_array(&g->arena, (size_t)om->nnodes + 1, sizeof(gl_node));
    if (!nt.slots || !g->tensors || !g->nodes) return oom();
    g->opset = om->opset;
    g->input = -1;

    gl_status st;
    for (int k = 0; k < om->ninits; k++)
        if ((st = add_const(g, &nt, &om->inits[k], om->inits[k].name))) return st;
    if ((st = add_input(g, &nt, om))) {
        if (!skipped) return st;
        skipped(user, NULL, 0, gl_last_error());
        for (int k = 0; k < om->ninputs; k++) add_unknown(g, &nt, om->inputs[k].name);
    }
    for (int k = 0; k < om->nnodes; k++) {
        const onnx_node *on = &om->nodes[k];
        int unknown = 0, first_tensor = g->ntensors, is_constant = !strcmp(on->op_type, "Constant");
        st = is_constant ? add_constant_node(g, &nt, on) : build_node(g, &nt, on, &unknown);
        if (st && g->over_budget)
            st = gl_fail(GL_ERR_UNSUPPORTED, "the model unpacks to more than %zu MB at load (16 times its size, plus 16 MB): "
                         "weights shared by many nodes, or large constants computed at load", g->budget >> 20);
        if (st) st = gl_fail_context(st, "node '%s' (%s): ", on->name, on->op_type);
        if (!skipped) {
            if (st) return st;
            continue;
        }
        int unsupported = !is_constant && !find_op(on);
        if (st == GL_ERR_OUT_OF_MEMORY) return st;
        if (!st && !unknown && !unsupported) continue;
        /* inspection: report the node; nothing downstream of it can be computed */
        skipped(user, on, unsupported, st ? gl_last_error() : NULL);
        for (int t = first_tensor; t < g->ntensors; t++) g->tensors[t].kind = GL_TENSOR_UNKNOWN;
        for (int o = 0; o < on->noutputs; o++)
            if (on->outputs[o][0]) add_unknown(g, &nt, on->outputs[o]);
    }
    return GL_OK;
}

gl_status gl_graph_finish(const onnx_model *om, gl_graph *g) {
    gl_status st;
    if ((st = gl_graph_fold(g)) || (st = find_score(g, om)) || (st = mark_active(g))) return st;
    find_class_conv(g);
    for (int k = 0; k < g->nnodes; k++) {
        gl_node *node = &g->nodes[k];
        size_t scratch = 0;
        if (!node->active || !node->op->finalize) continue;
        if ((st = node->op->finalize(g, node, &scratch)))
            return gl_fail_context(st, "node '%s' (%s): ", node->name, node->op->name);
        if (scratch > g->scratch_floats) g->scratch_floats = scratch;
    }
    gl_graph_plan(g);
    return GL_OK;
}

gl_status gl_graph_build(const onnx_model *om, gl_graph *g) {
    gl_status st;
    if ((st = check_operators(om)) || (st = gl_graph_build_nodes(om, g, NULL, NULL))) return st;
    return gl_graph_finish(om, g);
}

void gl_graph_free(gl_graph *g) { gl_arena_free(&g->arena); }
