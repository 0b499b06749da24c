#include "onnx.h"

#include <math.h>
#include <string.h>

#include "pb.h"
#include "status.h"

/* Tensors larger than this many elements are refused before anything is
 * allocated for them: the engine indexes with 32-bit ints. */
#define ONNX_MAX_NUMEL ((int64_t)1 << 31)

float gl_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0) v = ldexpf((float)man, -24);                       /* zero, subnormal */
    else if (exp == 31) v = man ? NAN : INFINITY;
    else v = ldexpf((float)(man | 0x400), (int)exp - 25);
    uint32_t bits;
    memcpy(&bits, &v, 4);
    bits |= sign;
    memcpy(&v, &bits, 4);
    return v;
}

static const char *read_string(gl_pb *r, gl_arena *a) {
    gl_pb s = gl_pb_len(r);
    if (r->bad) return "";
    const char *d = gl_arena_strndup(a, (const char *)s.p, gl_pb_remaining(&s));
    if (!d) r->bad = 1;
    return d ? d : "";
}

static int count_fields(gl_pb msg, uint32_t field) {
    uint32_t f, w;
    int n = 0;
    while (gl_pb_next(&msg, &f, &w)) {
        n += f == field;
        gl_pb_skip(&msg, w);
    }
    return msg.bad ? -1 : n;
}

/* ---- repeated numeric fields, packed or not ------------------------------ */
typedef enum { REP_VARINT, REP_FLOAT, REP_DOUBLE } rep_kind;

static uint32_t rep_wire(rep_kind k) {
    return k == REP_VARINT ? GL_PB_VARINT : k == REP_FLOAT ? GL_PB_I32 : GL_PB_I64;
}

static void rep_read_one(gl_pb *r, rep_kind k, void *out, int64_t idx) {
    if (k == REP_VARINT) {
        int64_t v = (int64_t)gl_pb_varint(r);
        if (out) ((int64_t *)out)[idx] = v;
    } else if (k == REP_FLOAT) {
        uint32_t bits = gl_pb_fixed32(r);
        if (out) memcpy((float *)out + idx, &bits, 4);
    } else {
        uint64_t bits = gl_pb_fixed64(r);
        if (out) memcpy((double *)out + idx, &bits, 8);
    }
}

/* Reads every occurrence of `field` into one array (int64, float or double by
 * kind). Two passes: count, then fill, so the allocation is bounded by the bytes
 * actually present, never by a size the file merely claims. Returns NULL with
 * *count = 0 when the field is absent; sets msg-level badness in *bad. */
static void *read_repeated(gl_pb msg, uint32_t field, rep_kind kind, gl_arena *a,
                           int64_t *count, int *bad) {
    size_t elem = kind == REP_FLOAT ? 4 : 8;
    void *out = NULL;
    for (int pass = 0; pass < 2; pass++) {
        gl_pb r = msg;
        uint32_t f, w;
        int64_t k = 0;
        while (gl_pb_next(&r, &f, &w)) {
            if (f != field) {
                gl_pb_skip(&r, w);
            } else if (w == GL_PB_LEN) {
                gl_pb sub = gl_pb_len(&r);
                while (!sub.bad && sub.p < sub.end) rep_read_one(&sub, kind, out, k++);
                if (sub.bad) r.bad = 1;
            } else if (w == rep_wire(kind)) {
                rep_read_one(&r, kind, out, k++);
            } else {
                r.bad = 1;
            }
        }
        if (r.bad) {
            *bad = 1;
            *count = 0;
            return NULL;
        }
        *count = k;
        if (k == 0) return NULL;
        if (pass == 0 && !(out = gl_arena_array(a, (size_t)k, elem))) {
            *bad = 1;
            return NULL;
        }
    }
    return out;
}

/* ---- TensorProto --------------------------------------------------------- */
static gl_status tensor_data(onnx_tensor *t, gl_pb msg, gl_pb raw, int has_raw, gl_arena *a) {
    int bad = 0;
    int64_t n = 0, numel = t->numel;
    size_t raw_n = has_raw ? gl_pb_remaining(&raw) : 0;
    int is_float = t->dtype == ONNX_FLOAT || t->dtype == ONNX_FLOAT16 || t->dtype == ONNX_DOUBLE;
    int is_int = t->dtype == ONNX_INT64 || t->dtype == ONNX_INT32;
    if (!is_float && !is_int) return GL_OK; /* kept as an unreadable tensor; refused where used */
    size_t elem = t->dtype == ONNX_FLOAT16 ? 2 : t->dtype == ONNX_FLOAT || t->dtype == ONNX_INT32 ? 4 : 8;

    const void *src = NULL;
    if (has_raw) {
        if (raw_n != (size_t)numel * elem)
            return gl_fail(GL_ERR_MODEL, "tensor '%s': raw_data has %zu bytes, its dims need %lld",
                           t->name, raw_n, (long long)numel * (long long)elem);
        src = raw.p;
        n = numel;
    } else if (t->dtype == ONNX_FLOAT) {
        src = read_repeated(msg, 4, REP_FLOAT, a, &n, &bad);
    } else if (t->dtype == ONNX_DOUBLE) {
        src = read_repeated(msg, 10, REP_DOUBLE, a, &n, &bad);
    } else if (t->dtype == ONNX_INT64) {
        src = read_repeated(msg, 7, REP_VARINT, a, &n, &bad);
    } else { /* INT32 and FLOAT16 (as uint16 bit patterns) live in int32_data */
        src = read_repeated(msg, 5, REP_VARINT, a, &n, &bad);
        elem = 8;
    }
    if (bad) return gl_fail(GL_ERR_MODEL, "tensor '%s': malformed data field", t->name);
    if (n != numel)
        return gl_fail(GL_ERR_MODEL, "tensor '%s': has %lld values, its dims need %lld", t->name,
                       (long long)n, (long long)numel);

    if (is_float && !(t->f = gl_arena_array(a, (size_t)numel, sizeof(float))))
        return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory reading tensor '%s'", t->name);
    if (is_int && !(t->i = gl_arena_array(a, (size_t)numel, sizeof(int64_t))))
        return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory reading tensor '%s'", t->name);
    /* raw bytes may be unaligned: every element goes through memcpy */
    const uint8_t *s = src;
    for (int64_t k = 0; k < numel; k++, s += elem) {
        if (has_raw) {
            if (t->dtype == ONNX_FLOAT) memcpy(&t->f[k], s, 4);
            else if (t->dtype == ONNX_FLOAT16) { uint16_t h; memcpy(&h, s, 2); t->f[k] = gl_half_to_float(h); }
            else if (t->dtype == ONNX_DOUBLE) { double d; memcpy(&d, s, 8); t->f[k] = (float)d; }
            else if (t->dtype == ONNX_INT64) memcpy(&t->i[k], s, 8);
            else { int32_t v; memcpy(&v, s, 4); t->i[k] = v; }
        } else {
            if (t->dtype == ONNX_FLOAT) memcpy(&t->f[k], s, 4);
            else if (t->dtype == ONNX_DOUBLE) { double d; memcpy(&d, s, 8); t->f[k] = (float)d; }
            else if (t->dtype == ONNX_FLOAT16) { int64_t v; memcpy(&v, s, 8); t->f[k] = gl_half_to_float((uint16_t)v); }
            else { int64_t v; memcpy(&v, s, 8); t->i[k] = t->dtype == ONNX_INT32 ? (int32_t)v : v; }
        }
    }
    return GL_OK;
}

static gl_status parse_tensor(gl_pb msg, gl_arena *a, onnx_tensor *t) {
    gl_pb r = msg, raw = {0};
    uint32_t f, w;
    int has_raw = 0, external = 0, bad = 0;
    t->name = "";
    while (gl_pb_next(&r, &f, &w)) {
        if (f == 2 && w == GL_PB_VARINT) t->dtype = (int)gl_pb_varint(&r);
        else if (f == 8 && w == GL_PB_LEN) t->name = read_string(&r, a);
        else if (f == 9 && w == GL_PB_LEN) { raw = gl_pb_len(&r); has_raw = 1; }
        else if (f == 13) { external = 1; gl_pb_skip(&r, w); }
        else if (f == 14 && w == GL_PB_VARINT) external |= gl_pb_varint(&r) == 1;
        else if (f == 3) return gl_fail(GL_ERR_UNSUPPORTED, "tensor '%s': segmented tensors are not supported", t->name);
        else gl_pb_skip(&r, w);
    }
    if (r.bad) return gl_fail(GL_ERR_MODEL, "tensor '%s': malformed TensorProto", t->name);
    if (external)
        return gl_fail(GL_ERR_UNSUPPORTED,
                       "tensor '%s' is stored as external data; save the model with its weights inside the .onnx file",
                       t->name);
    int64_t ndim = 0;
    int64_t *dims = read_repeated(msg, 1, REP_VARINT, a, &ndim, &bad);
    if (bad) return gl_fail(GL_ERR_MODEL, "tensor '%s': malformed dims", t->name);
    if (ndim > ONNX_MAX_DIMS)
        return gl_fail(GL_ERR_UNSUPPORTED, "tensor '%s' has %lld dimensions (at most %d)", t->name,
                       (long long)ndim, ONNX_MAX_DIMS);
    t->ndim = (int)ndim;
    t->numel = 1;
    for (int d = 0; d < t->ndim; d++) {
        t->dims[d] = dims[d];
        if (dims[d] < 0 || dims[d] >= ONNX_MAX_NUMEL || (t->numel *= dims[d]) >= ONNX_MAX_NUMEL)
            return gl_fail(GL_ERR_MODEL, "tensor '%s': dimension %lld is negative or too large", t->name,
                           (long long)dims[d]);
    }
    return tensor_data(t, msg, raw, has_raw, a);
}

/* ---- AttributeProto and NodeProto ---------------------------------------- */
static gl_status parse_attr(gl_pb msg, gl_arena *a, onnx_attr *at) {
    gl_pb r = msg;
    uint32_t f, w;
    int bad = 0;
    gl_status st = GL_OK;
    at->name = "";
    while (gl_pb_next(&r, &f, &w)) {
        if (f == 1 && w == GL_PB_LEN) at->name = read_string(&r, a);
        else if (f == 20 && w == GL_PB_VARINT) at->type = (int)gl_pb_varint(&r);
        else if (f == 2 && w == GL_PB_I32) { uint32_t b = gl_pb_fixed32(&r); memcpy(&at->f, &b, 4); if (!at->type) at->type = ONNX_ATTR_FLOAT; }
        else if (f == 3 && w == GL_PB_VARINT) { at->i = (int64_t)gl_pb_varint(&r); if (!at->type) at->type = ONNX_ATTR_INT; }
        else if (f == 4 && w == GL_PB_LEN) { at->s = read_string(&r, a); if (!at->type) at->type = ONNX_ATTR_STRING; }
        else if (f == 5 && w == GL_PB_LEN) {
            gl_pb sub = gl_pb_len(&r);
            if (r.bad) break;
            if (!(at->t = gl_arena_alloc(a, sizeof *at->t))) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
            if ((st = parse_tensor(sub, a, at->t))) return st;
            if (!at->type) at->type = ONNX_ATTR_TENSOR;
        } else gl_pb_skip(&r, w);
    }
    int64_t n = 0;
    at->floats = read_repeated(msg, 7, REP_FLOAT, a, &n, &bad);
    if (n && !at->type) at->type = ONNX_ATTR_FLOATS;
    if (at->type == ONNX_ATTR_FLOATS) at->n = (int)n;
    at->ints = read_repeated(msg, 8, REP_VARINT, a, &n, &bad);
    if (n && !at->type) at->type = ONNX_ATTR_INTS;
    if (at->type == ONNX_ATTR_INTS) at->n = (int)n;
    if (r.bad || bad) return gl_fail(GL_ERR_MODEL, "attribute '%s': malformed AttributeProto", at->name);
    /* callers read a TENSOR attribute's tensor: its type alone (field 20) is not one */
    if (at->type == ONNX_ATTR_TENSOR && !at->t)
        return gl_fail(GL_ERR_MODEL, "attribute '%s' is of type TENSOR but holds no tensor", at->name);
    /* An empty list is still a list: callers may memcpy from it (memcpy from NULL
     * is undefined even for 0 bytes), so FLOATS and INTS always get an array. */
    if (at->type == ONNX_ATTR_FLOATS && !at->floats && !(at->floats = gl_arena_array(a, 1, sizeof(float))))
        return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    if (at->type == ONNX_ATTR_INTS && !at->ints && !(at->ints = gl_arena_array(a, 1, sizeof(int64_t))))
        return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    return GL_OK;
}

static gl_status parse_node(gl_pb msg, gl_arena *a, onnx_node *nd) {
    int nin = count_fields(msg, 1), nout = count_fields(msg, 2), nattr = count_fields(msg, 5);
    if (nin < 0 || nout < 0 || nattr < 0) return gl_fail(GL_ERR_MODEL, "malformed NodeProto");
    nd->inputs = gl_arena_array(a, (size_t)nin + 1, sizeof(char *));
    nd->outputs = gl_arena_array(a, (size_t)nout + 1, sizeof(char *));
    nd->attrs = gl_arena_array(a, (size_t)nattr + 1, sizeof(onnx_attr));
    if (!nd->inputs || !nd->outputs || !nd->attrs) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    nd->name = nd->op_type = nd->domain = "";
    gl_pb r = msg;
    uint32_t f, w;
    gl_status st;
    while (gl_pb_next(&r, &f, &w)) {
        if (f == 1 && w == GL_PB_LEN) nd->inputs[nd->ninputs++] = read_string(&r, a);
        else if (f == 2 && w == GL_PB_LEN) nd->outputs[nd->noutputs++] = read_string(&r, a);
        else if (f == 3 && w == GL_PB_LEN) nd->name = read_string(&r, a);
        else if (f == 4 && w == GL_PB_LEN) nd->op_type = read_string(&r, a);
        else if (f == 7 && w == GL_PB_LEN) nd->domain = read_string(&r, a);
        else if (f == 5 && w == GL_PB_LEN) {
            gl_pb sub = gl_pb_len(&r);
            if (r.bad) break;
            if ((st = parse_attr(sub, a, &nd->attrs[nd->nattrs++])))
                return gl_fail_context(st, "node '%s' (%s): ", nd->name, nd->op_type);
        } else gl_pb_skip(&r, w);
    }
    if (r.bad) return gl_fail(GL_ERR_MODEL, "node '%s': malformed NodeProto", nd->name);
    /* "" marks an omitted optional output; the first output of every operator is
     * required (the graph builder indexes the tensor it names). */
    if (nd->noutputs > 0 && !nd->outputs[0][0])
        return gl_fail(GL_ERR_MODEL, "node '%s' (%s): its first output has no name", nd->name, nd->op_type);
    return GL_OK;
}

const onnx_attr *onnx_find_attr(const onnx_node *node, const char *name) {
    for (int k = 0; k < node->nattrs; k++)
        if (!strcmp(node->attrs[k].name, name)) return &node->attrs[k];
    return NULL;
}

/* ---- ValueInfoProto (graph inputs and outputs) --------------------------- */
static void parse_value_info(gl_pb msg, gl_arena *a, onnx_value_info *v) {
    uint32_t f, w;
    v->name = "";
    v->ndim = -1;
    while (gl_pb_next(&msg, &f, &w)) {
        if (f == 1 && w == GL_PB_LEN) { v->name = read_string(&msg, a); continue; }
        if (f != 2 || w != GL_PB_LEN) { gl_pb_skip(&msg, w); continue; }
        gl_pb type = gl_pb_len(&msg);                        /* TypeProto */
        while (gl_pb_next(&type, &f, &w)) {
            if (f != 1 || w != GL_PB_LEN) { gl_pb_skip(&type, w); continue; }
            gl_pb tt = gl_pb_len(&type);                     /* TypeProto.Tensor */
            while (gl_pb_next(&tt, &f, &w)) {
                if (f == 1 && w == GL_PB_VARINT) { v->elem_type = (int)gl_pb_varint(&tt); continue; }
                if (f != 2 || w != GL_PB_LEN) { gl_pb_skip(&tt, w); continue; }
                gl_pb shape = gl_pb_len(&tt);                /* TensorShapeProto */
                v->ndim = 0;
                while (gl_pb_next(&shape, &f, &w)) {
                    if (f != 1 || w != GL_PB_LEN) { gl_pb_skip(&shape, w); continue; }
                    gl_pb dim = gl_pb_len(&shape);
                    int64_t value = 0;
                    while (gl_pb_next(&dim, &f, &w)) {
                        if (f == 1 && w == GL_PB_VARINT) value = (int64_t)gl_pb_varint(&dim);
                        else gl_pb_skip(&dim, w);
                    }
                    if (v->ndim < ONNX_MAX_DIMS) v->dims[v->ndim] = value;
                    v->ndim++;
                }
            }
        }
    }
}

/* ---- GraphProto and ModelProto ------------------------------------------- */
static gl_status parse_graph(gl_pb msg, gl_arena *a, onnx_model *m) {
    int counts[4] = {count_fields(msg, 1), count_fields(msg, 5), count_fields(msg, 11), count_fields(msg, 12)};
    for (int k = 0; k < 4; k++)
        if (counts[k] < 0) return gl_fail(GL_ERR_MODEL, "malformed GraphProto");
    m->nodes = gl_arena_array(a, (size_t)counts[0] + 1, sizeof(onnx_node));
    m->inits = gl_arena_array(a, (size_t)counts[1] + 1, sizeof(onnx_tensor));
    m->inputs = gl_arena_array(a, (size_t)counts[2] + 1, sizeof(onnx_value_info));
    m->outputs = gl_arena_array(a, (size_t)counts[3] + 1, sizeof(onnx_value_info));
    if (!m->nodes || !m->inits || !m->inputs || !m->outputs) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    uint32_t f, w;
    gl_status st;
    while (gl_pb_next(&msg, &f, &w)) {
        if (w != GL_PB_LEN) { gl_pb_skip(&msg, w); continue; }
        if (f == 15) return gl_fail(GL_ERR_UNSUPPORTED, "sparse initializers are not supported");
        if (f != 1 && f != 5 && f != 11 && f != 12) { gl_pb_skip(&msg, w); continue; }
        gl_pb sub = gl_pb_len(&msg);
        if (msg.bad) break;
        if (f == 1 && (st = parse_node(sub, a, &m->nodes[m->nnodes++]))) return st;
        if (f == 5 && (st = parse_tensor(sub, a, &m->inits[m->ninits++]))) return st;
        if (f == 11) parse_value_info(sub, a, &m->inputs[m->ninputs++]);
        if (f == 12) parse_value_info(sub, a, &m->outputs[m->noutputs++]);
    }
    if (msg.bad) return gl_fail(GL_ERR_MODEL, "malformed GraphProto");
    return GL_OK;
}

gl_status onnx_parse(const uint8_t *bytes, size_t n, gl_arena *a, onnx_model *m) {
    memset(m, 0, sizeof *m);
    m->producer = m->producer_version = "";
    gl_pb r = gl_pb_reader(bytes, n), graph = {0};
    uint32_t f, w;
    int has_graph = 0, has_default_opset = 0;
    while (gl_pb_next(&r, &f, &w)) {
        if (f == 1 && w == GL_PB_VARINT) m->ir_version = (int64_t)gl_pb_varint(&r);
        else if (f == 2 && w == GL_PB_LEN) m->producer = read_string(&r, a);
        else if (f == 3 && w == GL_PB_LEN) m->producer_version = read_string(&r, a);
        else if (f == 7 && w == GL_PB_LEN) { graph = gl_pb_len(&r); has_graph = 1; }
        else if (f == 8 && w == GL_PB_LEN) {
            gl_pb op = gl_pb_len(&r);
            const char *domain = "";
            int64_t version = 0;
            while (gl_pb_next(&op, &f, &w)) {
                if (f == 1 && w == GL_PB_LEN) domain = read_string(&op, a);
                else if (f == 2 && w == GL_PB_VARINT) version = (int64_t)gl_pb_varint(&op);
                else gl_pb_skip(&op, w);
            }
            if (op.bad) r.bad = 1;
            if (!strcmp(domain, "") || !strcmp(domain, "ai.onnx")) {
                m->opset = version;
                has_default_opset = 1;
            }
        } else gl_pb_skip(&r, w);
    }
    if (r.bad || !has_graph || n == 0)
        return gl_fail(GL_ERR_MODEL, "not an ONNX model: the bytes are %s",
                       n == 0 ? "empty" : r.bad ? "truncated or corrupt" : "a protobuf without a graph");
    /* IR version 3 models without opset_import mean opset 1; we need 7 or later. */
    if (!has_default_opset) m->opset = 1;
    if (m->opset < 7 || m->opset > 21)
        return gl_fail(GL_ERR_UNSUPPORTED, "ONNX opset %lld is not supported (7 to 21)", (long long)m->opset);
    return parse_graph(graph, a, m);
}
