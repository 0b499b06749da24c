/* A tiny ONNX writer for tests: builds ModelProto bytes for small graphs node by
 * node, so the per-operator gradient checks and the bad-input tests need no
 * Python. Header only; include from one file per test program.
 *
 *     ow_model m;
 *     ow_begin(&m, 13, (int64_t[]){1, 3, 8, 8});          // opset, input "x" (NCHW)
 *     ow_node(&m, "Conv", "x,w", "y", OW_INTS("pads", 4, 1, 1, 1, 1), OW_END);
 *     ow_init(&m, "w", 4, (int64_t[]){4, 3, 3, 3}, weights);
 *     ow_end(&m, "y");                                    // m.buf / m.len: the bytes
 */
#ifndef GL_ONNX_WRITER_H
#define GL_ONNX_WRITER_H

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *buf;
    size_t len, cap;
} ow_buf;

static inline void ow_raw(ow_buf *b, const void *p, size_t n) {
    if (!n) return; /* an empty field: p may be NULL (memcpy from NULL is undefined even for 0 bytes) */
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->buf = realloc(b->buf, b->cap);
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static inline void ow_varint(ow_buf *b, uint64_t v) {
    do {
        uint8_t byte = (uint8_t)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
        ow_raw(b, &byte, 1);
        v >>= 7;
    } while (v);
}

static inline void ow_key(ow_buf *b, int field, int wire) { ow_varint(b, (uint64_t)field << 3 | (uint64_t)wire); }
static inline void ow_int(ow_buf *b, int field, int64_t v) { ow_key(b, field, 0); ow_varint(b, (uint64_t)v); }
static inline void ow_bytes(ow_buf *b, int field, const void *p, size_t n) {
    ow_key(b, field, 2);
    ow_varint(b, n);
    ow_raw(b, p, n);
}
static inline void ow_str(ow_buf *b, int field, const char *s) { ow_bytes(b, field, s, strlen(s)); }
/* Appends `inner` as a length-delimited field and frees it. */
static inline void ow_sub(ow_buf *b, int field, ow_buf *inner) {
    ow_bytes(b, field, inner->buf, inner->len);
    free(inner->buf);
    memset(inner, 0, sizeof *inner);
}

/* Attributes, given to ow_node as a list ending with OW_END. */
typedef enum { OW_A_END, OW_A_INT, OW_A_FLOAT, OW_A_STRING, OW_A_INTS } ow_attr_kind;
typedef struct {
    ow_attr_kind kind;
    const char *name;
    int64_t i;
    float f;
    const char *s;
    int n;
    int64_t ints[8];
} ow_attr;
#define OW_INT(name, v) ((ow_attr){OW_A_INT, name, v, 0, 0, 0, {0}})
#define OW_FLOAT(name, v) ((ow_attr){OW_A_FLOAT, name, 0, v, 0, 0, {0}})
#define OW_STRING(name, v) ((ow_attr){OW_A_STRING, name, 0, 0, v, 0, {0}})
#define OW_INTS(name, n, ...) ((ow_attr){OW_A_INTS, name, 0, 0, 0, n, {__VA_ARGS__}})
#define OW_END ((ow_attr){OW_A_END, 0, 0, 0, 0, 0, {0}})

typedef struct {
    ow_buf graph;
    int opset;
    int64_t in_dims[4];
    uint8_t *buf; /* the finished model */
    size_t len;
} ow_model;

static inline void ow_begin(ow_model *m, int opset, const int64_t in_dims[4]) {
    memset(m, 0, sizeof *m);
    m->opset = opset;
    memcpy(m->in_dims, in_dims, sizeof m->in_dims);
}

/* inputs and outputs: comma-separated tensor names ("" entries for omitted ones). */
static inline void ow_node(ow_model *m, const char *op, const char *inputs, const char *outputs, ...) {
    ow_buf node = {0};
    char names[256];
    for (int field = 1; field <= 2; field++) {
        snprintf(names, sizeof names, "%s", field == 1 ? inputs : outputs);
        for (char *s = names, *end; s; s = end ? end + 1 : NULL) {
            if ((end = strchr(s, ','))) *end = '\0';
            ow_str(&node, field, s);
        }
    }
    ow_str(&node, 3, outputs); /* node name = its outputs */
    ow_str(&node, 4, op);
    va_list ap;
    va_start(ap, outputs);
    for (ow_attr a = va_arg(ap, ow_attr); a.kind != OW_A_END; a = va_arg(ap, ow_attr)) {
        ow_buf at = {0};
        ow_str(&at, 1, a.name);
        if (a.kind == OW_A_INT) { ow_int(&at, 3, a.i); ow_int(&at, 20, 2); }
        if (a.kind == OW_A_FLOAT) { ow_key(&at, 2, 5); ow_raw(&at, &a.f, 4); ow_int(&at, 20, 1); }
        if (a.kind == OW_A_STRING) { ow_str(&at, 4, a.s); ow_int(&at, 20, 3); }
        if (a.kind == OW_A_INTS) {
            for (int k = 0; k < a.n; k++) ow_int(&at, 8, a.ints[k]);
            ow_int(&at, 20, 7);
        }
        ow_sub(&node, 5, &at);
    }
    va_end(ap);
    ow_sub(&m->graph, 1, &node);
}

/* A float initializer (raw_data) or, with f == NULL, an int64 one from i. */
static inline void ow_init(ow_model *m, const char *name, int ndim, const int64_t *dims, const float *f,
                           const int64_t *i) {
    ow_buf t = {0};
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        ow_int(&t, 1, dims[d]);
        numel *= (size_t)dims[d];
    }
    ow_int(&t, 2, f ? 1 : 7);
    ow_str(&t, 8, name);
    if (f) ow_bytes(&t, 9, f, numel * 4);
    else ow_bytes(&t, 9, i, numel * 8);
    ow_sub(&m->graph, 5, &t);
}

static inline void ow_value_info(ow_buf *g, int field, const char *name, int ndim, const int64_t *dims) {
    ow_buf vi = {0}, type = {0}, tensor = {0}, shape = {0};
    for (int d = 0; d < ndim; d++) {
        ow_buf dim = {0};
        ow_int(&dim, 1, dims[d]);
        ow_sub(&shape, 1, &dim);
    }
    ow_int(&tensor, 1, 1);
    if (ndim >= 0) ow_sub(&tensor, 2, &shape);
    ow_sub(&type, 1, &tensor);
    ow_str(&vi, 1, name);
    ow_sub(&vi, 2, &type);
    ow_sub(g, field, &vi);
}

static inline void ow_end(ow_model *m, const char *output) {
    ow_buf model = {0}, opset = {0};
    ow_value_info(&m->graph, 11, "x", 4, m->in_dims);
    ow_value_info(&m->graph, 12, output, -1, NULL);
    ow_int(&model, 1, 7);
    ow_int(&opset, 2, m->opset);
    ow_sub(&model, 8, &opset);
    ow_sub(&model, 7, &m->graph);
    m->buf = model.buf;
    m->len = model.len;
}

static inline void ow_free(ow_model *m) {
    free(m->buf);
    free(m->graph.buf);
    memset(m, 0, sizeof *m);
}

#endif
