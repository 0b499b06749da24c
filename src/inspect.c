/* gl_inspect: a model's summary as JSON, gathered by a tolerant build of its graph
 * (gl_graph_build_nodes with a skip callback) that reports every unsupported
 * operator and failed node instead of stopping at the first. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "profile.h"
#include "status.h"

/* ---- a growing JSON text --------------------------------------------------- */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;    /* out of memory: everything after is dropped */
} json_buf;

static void put(json_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(json_buf *b, const char *fmt, ...) {
    for (int attempt = 0; attempt < 2 && !b->failed; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) b->failed = 1;
        if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *grown = realloc(b->s, cap);
        if (!grown) b->failed = 1;
        else b->s = grown, b->cap = cap;
    }
}

/* A JSON string: quotes, backslashes and control characters escaped; null for NULL. */
static void put_string(json_buf *b, const char *s) {
    if (!s) {
        put(b, "null");
        return;
    }
    put(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') put(b, "\\%c", c);
        else if (c < 0x20) put(b, "\\u%04x", c);
        else put(b, "%c", c);
    }
    put(b, "\"");
}

/* ---- what the tolerant build reports --------------------------------------- */
typedef struct {
    json_buf unsupported, errors;   /* the entries of two JSON arrays, comma-separated */
    int skipped;
} report;

static void entry(json_buf *b, const char *op, const char *node) {
    put(b, "%s{\"op\": ", b->len ? ", " : "");
    put_string(b, op);
    put(b, ", \"node\": ");
    put_string(b, node);
}

static void error_entry(report *r, const char *op, const char *node, const char *message) {
    entry(&r->errors, op, node);
    put(&r->errors, ", \"message\": ");
    put_string(&r->errors, message);
    put(&r->errors, "}");
}

static void on_skip(void *user, const onnx_node *on, int unsupported, const char *message) {
    report *r = user;
    if (unsupported) {
        int default_domain = !strcmp(on->domain, "") || !strcmp(on->domain, "ai.onnx");
        char op[256];
        snprintf(op, sizeof op, "%s%s%s", default_domain ? "" : on->domain, default_domain ? "" : "::", on->op_type);
        entry(&r->unsupported, op, on->name);
        put(&r->unsupported, "}");
    } else if (message) {
        error_entry(r, on ? on->op_type : NULL, on ? on->name : NULL, message);
    } else {
        r->skipped++;
    }
}

/* ---- the summary ------------------------------------------------------------ */
static const char *type_name(int elem_type) {
    static const char *const names[] = {"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64",
                                        "string", "bool", "float16", "float64", "uint32", "uint64", "complex64",
                                        "complex128", "bfloat16"};
    return elem_type >= 0 && elem_type < (int)(sizeof names / sizeof names[0]) ? names[elem_type] : "unknown";
}

static int is_initializer(const onnx_model *om, const char *name) {
    for (int k = 0; k < om->ninits; k++)
        if (!strcmp(om->inits[k].name, name)) return 1;
    return 0;
}

static void put_values(json_buf *b, const onnx_value_info *v, int count, const onnx_model *om) {
    put(b, "[");
    for (int k = 0, first = 1; k < count; k++) {
        if (om && is_initializer(om, v[k].name)) continue;   /* old IR lists initializers as inputs */
        put(b, "%s{\"name\": ", first ? "" : ", ");
        first = 0;
        put_string(b, v[k].name);
        put(b, ", \"type\": \"%s\", \"shape\": ", type_name(v[k].elem_type));
        if (v[k].ndim < 0) put(b, "null");
        for (int d = 0; d < v[k].ndim && d < ONNX_MAX_DIMS; d++) {
            if (v[k].dims[d] > 0) put(b, "%s%lld", d ? ", " : "[", (long long)v[k].dims[d]);
            else put(b, "%snull", d ? ", " : "[");
        }
        if (v[k].ndim >= 0) put(b, v[k].ndim ? "]" : "[]");
        put(b, "}");
    }
    put(b, "]");
}

/* {op_type: count} in order of first use */
static void put_operators(json_buf *b, const onnx_model *om) {
    put(b, "{");
    for (int k = 0, first = 1; k < om->nnodes; k++) {
        int seen = 0, count = 0;
        for (int j = 0; j < om->nnodes; j++) {
            int same = !strcmp(om->nodes[j].op_type, om->nodes[k].op_type);
            seen |= same && j < k;
            count += same;
        }
        if (seen) continue;
        put(b, first ? "" : ", ");
        first = 0;
        put_string(b, om->nodes[k].op_type);
        put(b, ": %d", count);
    }
    put(b, "}");
}

static long long parameter_count(const onnx_model *om) {
    long long n = 0;
    for (int k = 0; k < om->ninits; k++)
        if (om->inits[k].f) n += om->inits[k].numel;
    for (int k = 0; k < om->nnodes; k++) {
        const onnx_node *on = &om->nodes[k];
        if (!strcmp(on->op_type, "Constant") && on->nattrs && on->attrs[0].type == ONNX_ATTR_TENSOR && on->attrs[0].t->f)
            n += on->attrs[0].t->numel;
    }
    return n;
}

/* 2 x multiply-adds per image of the Conv, Gemm and MatMul nodes that were built. */
static double flops(const gl_graph *g) {
    double total = 0;
    for (int k = 0; k < g->nnodes; k++) total += gl_node_flops(g, &g->nodes[k]);
    return total;
}

gl_status gl_inspect(const uint8_t *onnx, size_t n, char **json) {
    *json = NULL;
    if (!onnx && n) return gl_fail(GL_ERR_ARGUMENT, "model bytes are NULL");
    gl_arena parse = {0};
    gl_graph g = {0};
    onnx_model om;
    report r = {0};
    json_buf b = {0};
    gl_status st = onnx_parse(onnx, n, &parse, &om);
    g.budget = GL_LOAD_BUDGET(n);
    if (!st) st = gl_graph_build_nodes(&om, &g, on_skip, &r);
    int loadable = !st && !r.unsupported.len && !r.errors.len && !r.skipped;
    double total_flops = st ? 0 : flops(&g);
    if (loadable && (st = gl_graph_finish(&om, &g))) {
        loadable = 0;
        error_entry(&r, NULL, NULL, gl_last_error());
        st = st == GL_ERR_OUT_OF_MEMORY ? st : GL_OK;
    }
    if (!st) {
        put(&b, "{\"irVersion\": %lld, \"opset\": %lld, \"producer\": ", (long long)om.ir_version, (long long)om.opset);
        char producer[512];
        snprintf(producer, sizeof producer, "%s%s%s", om.producer, om.producer_version[0] ? " " : "", om.producer_version);
        put_string(&b, producer);
        put(&b, ",\n \"inputs\": ");
        put_values(&b, om.inputs, om.ninputs, &om);
        put(&b, ",\n \"outputs\": ");
        put_values(&b, om.outputs, om.noutputs, NULL);
        put(&b, ",\n \"nodes\": %d, \"operators\": ", om.nnodes);
        put_operators(&b, &om);
        put(&b, ",\n \"parameters\": %lld, \"flops\": %.0f,\n \"unsupported\": [%s],\n \"errors\": [%s],\n",
            parameter_count(&om), total_flops, r.unsupported.s ? r.unsupported.s : "", r.errors.s ? r.errors.s : "");
        put(&b, " \"skipped\": %d, \"loadable\": %s}", r.skipped, loadable ? "true" : "false");
        if (b.failed || r.unsupported.failed || r.errors.failed) st = gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    }
    free(r.unsupported.s);
    free(r.errors.s);
    gl_graph_free(&g);
    gl_arena_free(&parse);
    if (st) {
        free(b.s);
        return st;
    }
    *json = b.s;
    return GL_OK;
}
