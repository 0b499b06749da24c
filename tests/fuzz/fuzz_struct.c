/* Structure-aware libFuzzer target: the input bytes are not the model but the
 * choices of a generator that writes one with tests/c/onnx_writer.h, so nearly
 * every input is well-formed protobuf and the fuzzer spends its time in the
 * graph builder, the operators' shape checks and the kernels rather than in the
 * wire-format reader.
 *
 * Each byte picks something: the opset, the input's shape and type, up to 12
 * nodes (every supported operator, and common ones that are not, so operators
 * added later are fuzzed too), their inputs (usually the previous output, else
 * an earlier tensor, a dangling name, a later one: a cycle, or none),
 * attributes (plausible values, or interesting ones: 0, -1, 2^31, INT64_MIN,
 * wrong types, repeated), initializers shaped to fit the tensor they meet (or
 * not: wrong counts, huge or negative dimensions, raw_data of the wrong length,
 * typed fields, float16, double, external data) and the graph outputs. Zero
 * bytes choose the plain option everywhere, so the empty input is a valid
 * Conv model and libFuzzer's mutations walk away from it one choice at a time.
 * A model that loads is run through harness.h. FUZZ_DUMP_ONNX=file writes the
 * generated model there: a crash's model, committed to regressions/load, stays a
 * regression test whatever later changes to this generator do to its bytes. */
#include <math.h>

#include "harness.h"
#include "onnx_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *p, *end;
} fz;

static unsigned fz_byte(fz *s) { return s->p < s->end ? *s->p++ : 0; }
static unsigned fz_pick(fz *s, unsigned n) { return n ? fz_byte(s) % n : 0; }
/* Rare events happen on high byte values: zero bytes keep the plain path. */
static int fz_rare(fz *s) { return fz_byte(s) >= 232; }

static const int64_t INTERESTING[] = {
    0, -1, 1, 2, 3, 7, 8, 16, 64, 255, 1024, 1025, 8192, 8193, 65536, (int64_t)1 << 24, (int64_t)1 << 28,
    ((int64_t)1 << 28) + 1, (int64_t)1 << 30, INT32_MAX, (int64_t)1 << 31, (int64_t)1 << 32, ((int64_t)1 << 32) + 1,
    (int64_t)1 << 62, INT64_MAX, -2, -3, -1024, INT32_MIN, INT64_MIN,
};
enum { NINTERESTING = sizeof INTERESTING / sizeof INTERESTING[0] };

/* The generator's own arithmetic on values that may be absurd: saturating. */
static int64_t sat_add(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}
static int64_t sat_mul(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? ((a < 0) != (b < 0) ? INT64_MIN : INT64_MAX) : r;
}

/* plain + small offset most of the time, else an interesting value */
static int64_t fz_int(fz *s, int64_t plain, int spread) {
    unsigned b = fz_byte(s);
    if (b < 224) return sat_add(plain, spread ? (int64_t)(b % (unsigned)(spread + 1)) : 0);
    return INTERESTING[b % NINTERESTING];
}

static float fz_float(fz *s, float plain) {
    static const float odd[] = {0.0f, -1.0f, 1e-45f, 1e38f, -1e38f, INFINITY, -INFINITY, NAN, 65504.0f, 1e-8f};
    unsigned b = fz_byte(s);
    if (b < 224) return plain * (1.0f + (float)(b % 8) / 4.0f);
    return odd[b % (sizeof odd / sizeof odd[0])];
}

/* ---- what the generator believes about each tensor ----------------------- */
enum { MAX_T = 48, MAX_D = 8 };
typedef struct {
    char name[24];
    int ndim;
    int64_t dims[MAX_D];
} tinfo;

typedef struct {
    fz s;
    ow_buf graph;
    tinfo t[MAX_T];
    int nt, ninit, opset;
} gen;

static int64_t numel_of(int ndim, const int64_t *dims) {
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (dims[d] <= 0 || dims[d] > ((int64_t)1 << 40) || n > ((int64_t)1 << 40) / dims[d]) return -1;
        n *= dims[d];
    }
    return n;
}

static tinfo *new_tensor(gen *g, const char *prefix, int ndim, const int64_t *dims) {
    if (g->nt == MAX_T) return NULL;
    tinfo *t = &g->t[g->nt];
    snprintf(t->name, sizeof t->name, "%s%d", prefix, g->nt);
    t->ndim = ndim < 0 ? 0 : ndim > MAX_D ? MAX_D : ndim;
    for (int d = 0; d < t->ndim; d++) t->dims[d] = dims[d];
    g->nt++;
    return t;
}

/* An initializer of the given shape, usually written correctly: float, or int64
 * holding `ints` (numel values) when that is not NULL. */
static const char *initializer(gen *g, int ndim, const int64_t *dims, const int64_t *ints) {
    int is_int = ints != NULL;
    fz *s = &g->s;
    int64_t shape[MAX_D + 2];
    int nd = ndim;
    for (int d = 0; d < ndim && d < MAX_D; d++) shape[d] = dims[d];
    if (fz_rare(s)) { /* a mangled shape */
        switch (fz_pick(s, 4)) {
        case 0: if (nd) shape[fz_pick(s, (unsigned)nd)] = INTERESTING[fz_pick(s, NINTERESTING)]; break;
        case 1: if (nd) nd--; break;
        case 2: nd = 9; for (int d = ndim; d < 9; d++) shape[d] = 1; break; /* more dims than ONNX_MAX_DIMS */
        default: if (nd < MAX_D) shape[nd++] = 2; break;
        }
    }
    tinfo *t = new_tensor(g, "w", nd, shape);
    if (!t) return "w_full";
    g->ninit++;
    ow_buf b = {0};
    for (int d = 0; d < nd; d++) ow_int(&b, 1, shape[d]);
    int64_t n = numel_of(nd, shape);
    if (n < 0 || n > (1 << 16)) n = 1 + fz_pick(s, 8); /* never write gigabytes: a short blob */
    else if (fz_rare(s)) n += fz_pick(s, 3) ? 1 : -1;  /* one value too many or too few */
    if (n < 0) n = 0;
    unsigned form = fz_rare(s) ? 1 + fz_pick(s, 8) : 0;
    int dtype = is_int ? ONNX_INT64 : form == 3 ? ONNX_FLOAT16 : form == 4 ? ONNX_DOUBLE : form == 5 ? ONNX_INT32 : ONNX_FLOAT;
    if (form == 6) dtype = (int)fz_pick(s, 17); /* any type, including the unreadable ones */
    ow_int(&b, 2, dtype);
    ow_str(&b, 8, t->name);
    size_t elem = dtype == ONNX_INT64 || dtype == ONNX_DOUBLE ? 8 : dtype == ONNX_FLOAT16 ? 2 : 4;
    uint8_t *raw = calloc((size_t)n + 1, elem);
    for (int64_t k = 0; k < n; k++) {
        if (dtype == ONNX_INT64) {
            int64_t v = is_int && k < numel_of(ndim, dims) ? ints[k] : fz_int(s, 1, 3);
            memcpy(raw + k * 8, &v, 8);
        } else if (dtype == ONNX_DOUBLE) {
            double v = (double)(((k * 37) % 19) - 9) / 16.0;
            memcpy(raw + k * 8, &v, 8);
        } else if (dtype == ONNX_FLOAT16) {
            uint16_t v = (uint16_t)(0x3000 + (k * 131) % 0x0c00) | (uint16_t)(k % 3 ? 0 : 0x8000);
            memcpy(raw + k * 2, &v, 2);
        } else if (dtype == ONNX_INT32) {
            int32_t v = (int32_t)fz_int(s, 1, 3);
            memcpy(raw + k * 4, &v, 4);
        } else {
            float v = k < 8 ? fz_float(s, (float)(((k * 37) % 19) - 9) / 16.0f) : (float)(((k * 37) % 19) - 9) / 16.0f;
            memcpy(raw + k * 4, &v, 4);
        }
    }
    switch (form) {
    case 1: /* float_data, packed */
        if (dtype == ONNX_FLOAT) ow_bytes(&b, 4, raw, (size_t)n * 4);
        break;
    case 2: /* float_data, one field per value */
        for (int64_t k = 0; dtype == ONNX_FLOAT && k < n; k++) ow_key(&b, 4, 5), ow_raw(&b, raw + k * 4, 4);
        break;
    case 3: /* float16 bit patterns in int32_data */
        for (int64_t k = 0; k < n; k++) {
            uint16_t v;
            memcpy(&v, raw + k * 2, 2);
            ow_int(&b, 5, v);
        }
        break;
    case 7: ow_int(&b, 14, 1); break;            /* data_location = EXTERNAL */
    case 8: ow_bytes(&b, 3, "\x08\x00\x10\x01", 4); break; /* a segment */
    default: ow_bytes(&b, 9, raw, (size_t)n * elem); break;
    }
    if (fz_rare(s)) ow_bytes(&b, 9, raw, (size_t)n * elem); /* raw_data twice, or beside a typed field */
    free(raw);
    ow_sub(&g->graph, 5, &b);
    return t->name;
}

/* ---- attributes ---------------------------------------------------------- */
static void attr_ints(gen *g, ow_buf *node, const char *name, int n, const int64_t *v) {
    fz *s = &g->s;
    ow_buf a = {0};
    ow_str(&a, 1, name);
    int count = fz_rare(s) ? (int)fz_pick(s, 6) : n;
    for (int k = 0; k < count; k++) ow_int(&a, 8, k < n ? v[k] : fz_int(s, 1, 2));
    ow_int(&a, 20, fz_rare(s) ? (int)fz_pick(s, 12) : 7);
    ow_sub(node, 5, &a);
}

static void attr_int(gen *g, ow_buf *node, const char *name, int64_t v) {
    ow_buf a = {0};
    ow_str(&a, 1, name);
    if (fz_rare(&g->s)) { /* the wrong type: a float */
        float f = (float)v;
        ow_key(&a, 2, 5), ow_raw(&a, &f, 4), ow_int(&a, 20, 1);
    } else {
        ow_int(&a, 3, v), ow_int(&a, 20, 2);
    }
    ow_sub(node, 5, &a);
}

static void attr_float(gen *g, ow_buf *node, const char *name, float v) {
    ow_buf a = {0};
    ow_str(&a, 1, name);
    ow_key(&a, 2, 5), ow_raw(&a, &v, 4);
    if (!fz_rare(&g->s)) ow_int(&a, 20, 1);
    ow_sub(node, 5, &a);
}

static void attr_string(gen *g, ow_buf *node, const char *name, const char *v) {
    ow_buf a = {0};
    ow_str(&a, 1, name);
    ow_str(&a, 4, v);
    if (!fz_rare(&g->s)) ow_int(&a, 20, 3);
    ow_sub(node, 5, &a);
}

/* ---- nodes --------------------------------------------------------------- */
typedef enum {
    OP_CONV, OP_RELU, OP_MAXPOOL, OP_GAP, OP_FLATTEN, OP_GEMM, OP_ADD, OP_BN, OP_CLIP, OP_LEAKY, OP_AVGPOOL,
    OP_CONCAT, OP_RESHAPE, OP_MATMUL, OP_DROPOUT, OP_IDENTITY, OP_SOFTMAX, OP_LOGSOFTMAX, OP_CONSTANT,
    /* data movement, reductions and the shape arithmetic evaluated at load */
    OP_SLICE, OP_PAD, OP_TRANSPOSE, OP_SQUEEZE, OP_UNSQUEEZE, OP_SPLIT, OP_REDUCEMEAN, OP_LRN, OP_MUL, OP_UNARY,
    OP_SHAPE, OP_GATHER, OP_CAST, OP_CONSTANTOFSHAPE, OP_RANGE, OP_WHERE, OP_OTHER, NOPS
} op_kind;
static const char *const OP_NAMES[NOPS] = {
    "Conv", "Relu", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm", "Add", "BatchNormalization", "Clip",
    "LeakyRelu", "AveragePool", "Concat", "Reshape", "MatMul", "Dropout", "Identity", "Softmax", "LogSoftmax",
    "Constant", "Slice", "Pad", "Transpose", "Squeeze", "Unsqueeze", "Split", "ReduceMean", "LRN", NULL, NULL,
    "Shape", "Gather", "Cast", "ConstantOfShape", "Range", NULL, NULL,
};
static const char *const MUL_OPS[] = {"Mul", "Sub", "Div", "Equal"};
static const char *const UNARY_OPS[] = {"Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "GlobalMaxPool", "Softmax"};

/* An int64 constant of n values, each plausible (plain + a small offset) or not. */
static const char *int_const(gen *g, int n, const int64_t *plain, int spread) {
    int64_t v[MAX_D];
    for (int k = 0; k < n && k < MAX_D; k++) v[k] = fz_int(&g->s, plain[k], spread);
    int64_t dims = n;
    return initializer(g, fz_rare(&g->s) ? 0 : 1, &dims, v);
}
/* Operators the engine may or may not have: refused cleanly, or fuzzed once added. */
static const char *const OTHER_OPS[] = {
    "Mul", "Sub", "Div", "Sigmoid", "Tanh", "PRelu", "Elu", "HardSigmoid", "HardSwish", "Pad", "Transpose",
    "Squeeze", "Unsqueeze", "ReduceMean", "GlobalMaxPool", "ConvTranspose", "Upsample", "Resize", "LRN", "Sum",
    "Max", "Mean", "Gather", "Slice", "Shape", "Cast", "Erf", "Sqrt", "Pow", "Exp", "Loop", "",
};
enum { NOTHER = sizeof OTHER_OPS / sizeof OTHER_OPS[0] };

/* The input a node reads: usually the latest activation. */
static const char *pick_input(gen *g, int latest, int *which) {
    fz *s = &g->s;
    *which = latest;
    if (!fz_rare(s)) return g->t[latest].name;
    switch (fz_pick(s, 5)) {
    case 0: *which = (int)fz_pick(s, (unsigned)g->nt); return g->t[*which].name;
    case 1: *which = -1; return "nowhere";                 /* dangling */
    case 2: *which = -1; return "";                        /* omitted */
    case 3: { *which = -1; static char later[24]; snprintf(later, sizeof later, "t%d", g->nt); return later; } /* cycle */
    default: *which = 0; return g->t[0].name;              /* the graph input */
    }
}

/* The generator's guess of a window's output size (only steers later choices). */
static int64_t out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil) {
    if (stride < 1) stride = 1;
    int64_t span = sat_add(sat_mul(sat_add(k, -1), dil), 1), room = sat_add(sat_add(in, sat_mul(2, pad)), -span);
    return room < 0 ? 0 : sat_add(room / stride, 1);
}

/* Appends one node reading tensor `latest`; returns the index of its output. */
static int add_node(gen *g, int latest) {
    fz *s = &g->s;
    unsigned pick = fz_byte(s);
    op_kind op = (op_kind)(pick % NOPS);
    const char *op_name = op == OP_OTHER ? OTHER_OPS[fz_pick(s, NOTHER)]
                        : op == OP_MUL ? MUL_OPS[fz_pick(s, 4)]
                        : op == OP_UNARY ? UNARY_OPS[fz_pick(s, 6)]
                        : op == OP_WHERE ? (fz_pick(s, 2) ? "Where" : "Equal") : OP_NAMES[op];
    ow_buf node = {0};
    const char *inputs[6];
    int nin = 0, src, extra_outputs = 0;
    tinfo x = g->t[latest];
    if (op != OP_CONSTANT) {
        inputs[nin++] = pick_input(g, latest, &src);
        if (src >= 0) x = g->t[src];
    }
    int64_t C = x.ndim > 1 ? x.dims[1] : 1, H = x.ndim > 2 ? x.dims[2] : 1, W = x.ndim > 3 ? x.dims[3] : 1;
    int64_t out[MAX_D];
    int ondim = x.ndim;
    memcpy(out, x.dims, sizeof out);
    ow_buf attrs = {0};
    switch (op) {
    case OP_CONV: {
        int64_t group = fz_rare(s) ? fz_int(s, 1, 3) : 1, cout = fz_int(s, 1, 7), kh = fz_int(s, 1, 2), kw = kh;
        int64_t stride = fz_int(s, 1, 1), pad = fz_int(s, 0, 1), dil = fz_int(s, 1, 1);
        if (fz_rare(s)) group = C, cout = sat_mul(C, 1 + fz_pick(s, 2)); /* depthwise */
        int64_t wd[4] = {cout, group > 0 && C % group == 0 ? C / group : C, kh, kw}; /* group > 0: no INT64_MIN % -1 */
        inputs[nin++] = initializer(g, 4, wd, 0);
        if (fz_pick(s, 2)) inputs[nin++] = initializer(g, 1, &cout, 0);
        if (group != 1) attr_int(g, &attrs, "group", group);
        if (fz_pick(s, 2)) attr_ints(g, &attrs, "kernel_shape", 2, (int64_t[]){kh, kw});
        if (stride != 1) attr_ints(g, &attrs, "strides", 2, (int64_t[]){stride, stride});
        if (pad) attr_ints(g, &attrs, "pads", 4, (int64_t[]){pad, pad, pad, fz_int(s, pad, 1)});
        if (dil != 1) attr_ints(g, &attrs, "dilations", 2, (int64_t[]){dil, dil});
        if (fz_rare(s)) attr_string(g, &attrs, "auto_pad", (const char *[]){"SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "BOGUS", ""}[fz_pick(s, 6)]);
        ondim = 4;
        out[0] = 1, out[1] = cout, out[2] = out_size(H, kh, stride, pad, dil), out[3] = out_size(W, kw, stride, pad, dil);
        break;
    }
    case OP_MAXPOOL:
    case OP_AVGPOOL: {
        int64_t k = fz_int(s, 2, 1), stride = fz_int(s, k, 1), pad = fz_int(s, 0, 1);
        attr_ints(g, &attrs, "kernel_shape", 2, (int64_t[]){k, k});
        attr_ints(g, &attrs, "strides", 2, (int64_t[]){stride, stride});
        if (pad) attr_ints(g, &attrs, "pads", 4, (int64_t[]){pad, pad, pad, pad});
        if (fz_rare(s)) attr_int(g, &attrs, "ceil_mode", fz_int(s, 1, 0));
        if (fz_rare(s)) attr_int(g, &attrs, op == OP_MAXPOOL ? "storage_order" : "count_include_pad", fz_int(s, 1, 0));
        if (fz_rare(s)) attr_ints(g, &attrs, "dilations", 2, (int64_t[]){2, 2});
        if (fz_rare(s)) attr_string(g, &attrs, "auto_pad", fz_pick(s, 2) ? "SAME_UPPER" : "VALID");
        out[2] = out_size(H, k, stride, pad, 1), out[3] = out_size(W, k, stride, pad, 1);
        break;
    }
    case OP_GAP:
        for (int d = 2; d < ondim; d++) out[d] = 1;
        break;
    case OP_FLATTEN: {
        int64_t axis = fz_rare(s) ? sat_add(fz_int(s, 0, 4), -2) : 1;
        if (axis != 1) attr_int(g, &attrs, "axis", axis);
        ondim = 2, out[0] = 1, out[1] = numel_of(x.ndim, x.dims);
        break;
    }
    case OP_GEMM:
    case OP_MATMUL: {
        int64_t K = x.ndim ? x.dims[x.ndim - 1] : 1, M = fz_int(s, 2, 8);
        int transb = op == OP_GEMM && fz_pick(s, 2);
        inputs[nin++] = initializer(g, 2, transb ? (int64_t[]){M, K} : (int64_t[]){K, M}, 0);
        if (op == OP_GEMM) {
            if (transb) attr_int(g, &attrs, "transB", 1);
            if (fz_rare(s)) attr_int(g, &attrs, "transA", 1);
            if (fz_rare(s)) attr_float(g, &attrs, "alpha", fz_float(s, 0.5f));
            if (fz_rare(s)) attr_float(g, &attrs, "beta", fz_float(s, 0.5f));
            if (fz_pick(s, 2)) {
                unsigned nd = fz_pick(s, 3);
                inputs[nin++] = initializer(g, (int)nd, nd == 2 ? (int64_t[]){1, M} : (int64_t[]){M}, 0);
            }
        }
        if (ondim) out[ondim - 1] = M;
        break;
    }
    case OP_ADD:
        if (fz_pick(s, 2)) { /* a residual: another activation */
            int other;
            inputs[nin++] = pick_input(g, (int)fz_pick(s, (unsigned)g->nt), &other);
        } else { /* a broadcast constant: (C,1,1), a scalar or the full shape */
            unsigned form = fz_pick(s, 3);
            inputs[nin++] = form == 0 ? initializer(g, 3, (int64_t[]){C, 1, 1}, 0)
                          : form == 1 ? initializer(g, 0, NULL, 0)
                                      : initializer(g, x.ndim, x.dims, 0);
        }
        if (fz_rare(s)) { const char *t = inputs[0]; inputs[0] = inputs[1]; inputs[1] = t; }
        break;
    case OP_BN:
        for (int k = 0; k < 4; k++) inputs[nin++] = initializer(g, 1, &C, 0);
        if (fz_rare(s)) attr_float(g, &attrs, "epsilon", fz_float(s, 1e-5f));
        if (fz_rare(s)) attr_int(g, &attrs, fz_pick(s, 2) ? "training_mode" : "spatial", fz_int(s, 0, 1));
        break;
    case OP_CLIP:
        if (g->opset < 11) {
            attr_float(g, &attrs, "min", fz_float(s, 0.0f));
            attr_float(g, &attrs, "max", fz_float(s, 6.0f));
        } else {
            inputs[nin++] = fz_rare(s) ? "" : initializer(g, 0, NULL, 0);
            inputs[nin++] = initializer(g, fz_rare(s), (int64_t[]){2}, 0);
        }
        break;
    case OP_LEAKY:
        if (fz_pick(s, 2)) attr_float(g, &attrs, "alpha", fz_float(s, 0.1f));
        break;
    case OP_CONCAT: {
        int n = 1 + (int)fz_pick(s, 3), other;
        for (int k = 0; k < n; k++) {
            int which = fz_pick(s, 2) ? latest : (int)fz_pick(s, (unsigned)g->nt);
            inputs[nin++] = pick_input(g, which, &other);
            if (other >= 0 && g->t[other].ndim > 1 && ondim > 1) out[1] = sat_add(out[1], g->t[other].dims[1]);
        }
        attr_int(g, &attrs, "axis", fz_rare(s) ? sat_add(fz_int(s, 0, 4), -2) : 1);
        break;
    }
    case OP_RESHAPE: {
        int64_t total = numel_of(x.ndim, x.dims), shape[4] = {1, -1, 1, 1};
        int n = 2 + (int)fz_pick(s, 3);
        if (fz_rare(s)) shape[0] = 0, shape[1] = fz_int(s, 1, 3);
        if (fz_rare(s)) shape[fz_pick(s, (unsigned)n)] = fz_int(s, -1, 3);
        if (g->opset < 5) attr_ints(g, &attrs, "shape", n, shape);
        else inputs[nin++] = initializer(g, 1, (int64_t[]){n}, shape);
        ondim = n;
        for (int d = 0; d < n; d++) out[d] = shape[d] == -1 ? (total > 0 ? total : 1) : shape[d];
        if (fz_rare(s)) attr_int(g, &attrs, "allowzero", 1);
        break;
    }
    case OP_DROPOUT:
        if (fz_rare(s)) attr_float(g, &attrs, "ratio", fz_float(s, 0.5f));
        break;
    case OP_SOFTMAX:
    case OP_LOGSOFTMAX:
        if (fz_rare(s)) attr_int(g, &attrs, "axis", fz_int(s, -1, 3));
        break;
    case OP_CONSTANT: {
        ow_buf a = {0};
        unsigned form = fz_pick(s, 5);
        ow_str(&a, 1, (const char *[]){"value", "value_float", "value_floats", "value_int", "value_ints"}[form]);
        if (form == 0) {
            ow_buf t = {0};
            int64_t n = fz_int(s, 1, 4);
            ow_int(&t, 1, n);
            ow_int(&t, 2, ONNX_FLOAT);
            float v[8] = {0.5f, -0.25f, 1, 2, 3, 4, 5, 6};
            ow_bytes(&t, 9, v, (size_t)(n > 0 && n <= 8 ? n : 1) * 4);
            ow_sub(&a, 5, &t);
            ow_int(&a, 20, 4);
            ondim = 1, out[0] = n;
        } else if (form == 1 || form == 3) {
            if (form == 1) { float f = fz_float(s, 1.0f); ow_key(&a, 2, 5), ow_raw(&a, &f, 4); }
            else ow_int(&a, 3, fz_int(s, 1, 3));
            ow_int(&a, 20, form == 1 ? 1 : 2);
            ondim = 0;
        } else {
            int n = (int)fz_pick(s, 5);
            for (int k = 0; k < n; k++) {
                if (form == 2) { float f = (float)k; ow_key(&a, 7, 5), ow_raw(&a, &f, 4); }
                else ow_int(&a, 8, fz_int(s, 1, 3));
            }
            ow_int(&a, 20, form == 2 ? 6 : 7);
            ondim = 1, out[0] = n;
        }
        ow_sub(&attrs, 5, &a);
        break;
    }
    case OP_SLICE: { /* starts, ends, axes, steps: inputs from opset 10, attributes before */
        int n = 1 + (int)fz_pick(s, 2);
        int64_t starts[2] = {0, 1}, ends[2] = {fz_int(s, 2, 4), INT64_MAX}, axes[2] = {2 + fz_pick(s, 2), 3}, steps[2] = {1, 1};
        if (fz_rare(s)) ends[0] = fz_pick(s, 2) ? INT64_MIN : -1;
        if (g->opset < 10) {
            attr_ints(g, &attrs, "starts", n, starts), attr_ints(g, &attrs, "ends", n, ends);
            if (fz_pick(s, 2)) attr_ints(g, &attrs, "axes", n, axes);
        } else {
            inputs[nin++] = int_const(g, n, starts, 2);
            inputs[nin++] = int_const(g, n, ends, 2);
            if (fz_pick(s, 2)) inputs[nin++] = int_const(g, n, axes, 1);
            if (fz_pick(s, 2)) inputs[nin++] = int_const(g, n, steps, 1);
        }
        if (ondim > 2) out[2] = ends[0] > 0 && ends[0] < out[2] ? ends[0] : out[2];
        break;
    }
    case OP_PAD: {
        int64_t pads[8] = {0, 0, fz_int(s, 1, 1), fz_int(s, 1, 1), 0, 0, fz_int(s, 1, 1), fz_int(s, 1, 1)};
        if (fz_rare(s)) pads[2 + fz_pick(s, 2)] = fz_pick(s, 2) ? -fz_int(s, 1, 3) : fz_int(s, 1024, 0);
        if (g->opset < 11) attr_ints(g, &attrs, "pads", 8, pads);
        else inputs[nin++] = int_const(g, 8, pads, 0);
        if (fz_pick(s, 2)) attr_string(g, &attrs, "mode", (const char *[]){"constant", "reflect", "edge", "wrap"}[fz_pick(s, 4)]);
        if (ondim == 4) out[2] = sat_add(out[2], sat_add(pads[2], pads[6])), out[3] = sat_add(out[3], sat_add(pads[3], pads[7]));
        break;
    }
    case OP_TRANSPOSE: {
        static const int64_t perms[][4] = {{0, 1, 3, 2}, {0, 2, 3, 1}, {0, 3, 1, 2}, {0, 1, 2, 3}, {1, 0, 2, 3}, {0, 1, 1, 2}, {0, 1, 2, 4}};
        const int64_t *perm = perms[fz_pick(s, 7)];
        if (fz_pick(s, 4)) attr_ints(g, &attrs, "perm", fz_rare(s) ? 3 : 4, perm);
        if (ondim == 4) {
            int64_t d[4];
            for (int k = 0; k < 4; k++) d[k] = perm[k] >= 0 && perm[k] < 4 ? x.dims[perm[k]] : 1;
            memcpy(out, d, sizeof d);
        }
        break;
    }
    case OP_SQUEEZE:
    case OP_UNSQUEEZE: {
        int64_t axes[2] = {op == OP_SQUEEZE ? 2 : 0, -1};
        int n = 1 + (int)fz_pick(s, 2);
        if (g->opset < 13) attr_ints(g, &attrs, "axes", n, axes);
        else if (fz_pick(s, 4)) inputs[nin++] = int_const(g, n, axes, 4);
        if (op == OP_UNSQUEEZE && ondim < MAX_D) { memmove(out + 1, out, sizeof out - sizeof out[0]); out[0] = 1; ondim++; }
        break;
    }
    case OP_SPLIT: {
        int64_t axis = fz_int(s, 1, 2), parts = 1 + fz_pick(s, 3), sizes[4] = {1, 1, 1, 1};
        extra_outputs = (int)parts - 1 + (fz_rare(s) ? 1 : 0);
        attr_int(g, &attrs, "axis", axis);
        if (fz_pick(s, 2)) {
            if (g->opset < 13) attr_ints(g, &attrs, "split", (int)parts, sizes);
            else inputs[nin++] = int_const(g, (int)parts, sizes, 2);
        } else if (g->opset >= 18) {
            attr_int(g, &attrs, "num_outputs", fz_int(s, parts, 1));
        }
        break;
    }
    case OP_REDUCEMEAN: {
        int64_t axes[2] = {2, 3};
        if (g->opset < 18) attr_ints(g, &attrs, "axes", 1 + (int)fz_pick(s, 2), axes);
        else inputs[nin++] = int_const(g, 2, axes, 2);
        if (fz_pick(s, 2)) attr_int(g, &attrs, "keepdims", fz_int(s, 0, 1));
        for (int d = 2; d < ondim; d++) out[d] = 1;
        break;
    }
    case OP_LRN:
        attr_int(g, &attrs, "size", fz_int(s, 3, 4));
        if (fz_pick(s, 2)) attr_float(g, &attrs, "alpha", fz_float(s, 1e-4f));
        if (fz_pick(s, 2)) attr_float(g, &attrs, "beta", fz_float(s, 0.75f));
        if (fz_pick(s, 2)) attr_float(g, &attrs, "bias", fz_float(s, 1.0f));
        break;
    case OP_MUL: /* Mul, Sub, Div, Equal: with an activation or a broadcast constant */
        if (fz_pick(s, 2)) {
            int other;
            inputs[nin++] = pick_input(g, (int)fz_pick(s, (unsigned)g->nt), &other);
        } else {
            inputs[nin++] = fz_pick(s, 2) ? initializer(g, 3, (int64_t[]){C, 1, 1}, 0) : initializer(g, 0, NULL, 0);
        }
        break;
    case OP_UNARY:
        if (!strcmp(op_name, "HardSigmoid") && fz_pick(s, 2)) attr_float(g, &attrs, "alpha", fz_float(s, 0.2f));
        if (!strcmp(op_name, "GlobalMaxPool")) for (int d = 2; d < ondim; d++) out[d] = 1;
        break;
    case OP_SHAPE: /* an int64 constant: the static shape */
        if (fz_rare(s)) attr_int(g, &attrs, "start", sat_add(fz_int(s, 0, 4), -2));
        if (fz_rare(s)) attr_int(g, &attrs, "end", sat_add(fz_int(s, 0, 4), -2));
        ondim = 1, out[0] = x.ndim;
        break;
    case OP_GATHER: { /* of a shape or a constant: indices may be out of range */
        if (fz_pick(s, 2)) inputs[0] = int_const(g, 4, (int64_t[]){1, 3, 8, 8}, 4);
        int64_t idx = fz_int(s, 0, 3);
        inputs[nin++] = fz_pick(s, 2) ? int_const(g, 1, &idx, 0) : initializer(g, 0, NULL, &idx);
        if (fz_rare(s)) attr_int(g, &attrs, "axis", fz_int(s, 0, 2));
        ondim = 1, out[0] = 1;
        break;
    }
    case OP_CAST:
        attr_int(g, &attrs, "to", fz_rare(s) ? fz_int(s, 0, 17) : (int64_t[]){1, 7, 6, 10, 9, 11}[fz_pick(s, 6)]);
        break;
    case OP_CONSTANTOFSHAPE: { /* a constant as large as its shape says */
        inputs[0] = int_const(g, 2, (int64_t[]){fz_int(s, 1, 8), fz_int(s, 1, 8)}, 2);
        if (fz_pick(s, 2)) {
            ow_buf a = {0}, t = {0};
            ow_str(&a, 1, "value");
            ow_int(&t, 1, 1), ow_int(&t, 2, fz_pick(s, 2) ? ONNX_FLOAT : ONNX_INT64), ow_str(&t, 8, "v");
            ow_bytes(&t, 9, "\0\0\200\077\0\0\0\0", fz_pick(s, 2) ? 4 : 8);
            ow_sub(&a, 5, &t), ow_int(&a, 20, 4), ow_sub(&attrs, 5, &a);
        }
        ondim = 2, out[0] = out[1] = 1;
        break;
    }
    case OP_RANGE: { /* start, limit, delta: int64 or float scalars */
        int use_float = fz_pick(s, 2);
        int64_t v[3] = {fz_int(s, 0, 2), fz_int(s, 4, 8), fz_int(s, 1, 1)};
        nin = 0;
        for (int k = 0; k < 3; k++) {
            inputs[nin++] = use_float ? initializer(g, 0, NULL, 0) : initializer(g, 0, NULL, &v[k]);
        }
        ondim = 1, out[0] = 4;
        break;
    }
    case OP_WHERE: /* Where(cond, a, b) or Equal(a, b), on constants */
        inputs[0] = int_const(g, 2, (int64_t[]){1, 0}, 1);
        inputs[nin++] = int_const(g, 2, (int64_t[]){4, 5}, 3);
        if (!strcmp(op_name, "Where")) inputs[nin++] = int_const(g, fz_rare(s) ? 3 : 2, (int64_t[]){7, 8, 9}, 3);
        ondim = 1, out[0] = 2;
        break;
    case OP_OTHER: { /* plausible generic attributes and a second input */
        if (fz_pick(s, 2)) attr_int(g, &attrs, "axis", sat_add(fz_int(s, 1, 3), -1));
        if (fz_rare(s)) attr_ints(g, &attrs, "perm", 4, (int64_t[]){0, 2, 3, 1});
        if (fz_rare(s)) attr_ints(g, &attrs, "pads", 8, (int64_t[]){0, 0, 1, 1, 0, 0, 1, 1});
        if (fz_pick(s, 3) == 0) inputs[nin++] = initializer(g, fz_pick(s, 2) ? 0 : 1, (int64_t[]){C}, 0);
        break;
    }
    default: /* Relu, Identity: nothing to add */
        break;
    }
    if (fz_rare(s) && nin < 6) inputs[nin++] = fz_pick(s, 2) ? "" : g->t[latest].name; /* an extra input */

    tinfo *o = new_tensor(g, "t", ondim, out);
    if (!o) {
        free(attrs.buf);
        return latest;
    }
    for (int k = 0; k < nin; k++) ow_str(&node, 1, inputs[k]);
    ow_str(&node, 2, fz_rare(s) ? (fz_pick(s, 2) ? "" : g->t[latest].name) : o->name); /* rarely: a second producer */
    if (op == OP_DROPOUT && fz_pick(s, 2)) ow_str(&node, 2, "mask");
    for (int k = 1; k <= extra_outputs; k++) { /* Split's other parts */
        char name[40];
        snprintf(name, sizeof name, "%s_%d", o->name, k);
        ow_str(&node, 2, name);
    }
    if (op == OP_OTHER && fz_rare(s)) ow_str(&node, 2, "extra");
    ow_str(&node, 3, o->name);
    ow_str(&node, 4, op_name);
    if (fz_rare(s)) ow_str(&node, 7, fz_pick(s, 2) ? "com.microsoft" : "ai.onnx");
    if (attrs.len) ow_raw(&node, attrs.buf, attrs.len);
    if (fz_rare(s) && attrs.len) ow_raw(&node, attrs.buf, attrs.len); /* every attribute twice */
    free(attrs.buf);
    ow_sub(&g->graph, 1, &node);
    return g->nt - 1;
}

static void value_info(ow_buf *graph, int field, const char *name, int elem, int ndim, const int64_t *dims) {
    ow_buf vi = {0}, type = {0}, tensor = {0}, shape = {0};
    for (int d = 0; d < ndim; d++) {
        ow_buf dim = {0};
        if (dims[d] >= 0) ow_int(&dim, 1, dims[d]);
        else ow_str(&dim, 2, "N"); /* a symbolic dimension */
        ow_sub(&shape, 1, &dim);
    }
    ow_int(&tensor, 1, elem);
    if (ndim >= 0) ow_sub(&tensor, 2, &shape);
    else free(shape.buf);
    ow_sub(&type, 1, &tensor);
    ow_str(&vi, 1, name);
    ow_sub(&vi, 2, &type);
    ow_sub(graph, field, &vi);
}

static const int OPSETS[] = {13, 11, 9, 7, 12, 17, 21, 10, 6, 22, 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gen *g = calloc(1, sizeof *g);
    g->s = (fz){data, data + size};
    fz *s = &g->s;
    g->opset = OPSETS[fz_rare(s) ? fz_pick(s, sizeof OPSETS / sizeof OPSETS[0]) : fz_pick(s, 7)];

    /* the image input: NCHW, small unless the bytes say otherwise */
    int64_t in[MAX_D] = {fz_pick(s, 4) == 3 ? -1 : 1, fz_int(s, 1, 3), fz_int(s, 4, 12), fz_int(s, 4, 12)};
    if (fz_pick(s, 4) == 0) in[3] = in[2];
    int in_ndim = fz_rare(s) ? (int)fz_pick(s, 7) : 4;
    for (int d = 4; d < in_ndim; d++) in[d] = 2;
    tinfo *x = new_tensor(g, "x", in_ndim, in);
    if (x->ndim > 0 && x->dims[0] < 0) x->dims[0] = 1;

    int latest = 0, nodes = 1 + (int)fz_pick(s, 12);
    for (int k = 0; k < nodes; k++) latest = add_node(g, latest);

    /* graph inputs and outputs */
    value_info(&g->graph, 11, x->name, fz_rare(s) ? (int)fz_pick(s, 12) : ONNX_FLOAT, in_ndim, in);
    if (fz_rare(s)) value_info(&g->graph, 11, fz_pick(s, 2) ? "second" : g->t[g->nt - 1].name, ONNX_FLOAT, 4, in);
    if (fz_rare(s)) { /* an input listed by an initializer's name (old IR) */
        value_info(&g->graph, 11, g->t[fz_pick(s, (unsigned)g->nt)].name, ONNX_FLOAT, 1, in);
    }
    unsigned outs = fz_rare(s) ? fz_pick(s, 3) : 1;
    for (unsigned k = 0; k < outs; k++) {
        const char *name = k == 0 && !fz_rare(s) ? g->t[latest].name : fz_pick(s, 2) ? "missing" : g->t[fz_pick(s, (unsigned)g->nt)].name;
        value_info(&g->graph, 12, name, ONNX_FLOAT, -1, NULL);
    }
    if (fz_rare(s)) ow_str(&g->graph, 2, "graph name");
    if (fz_rare(s)) ow_bytes(&g->graph, 15, "\x0a\x00", 2); /* a sparse initializer */

    ow_buf model = {0}, opset = {0};
    ow_int(&model, 1, fz_rare(s) ? fz_int(s, 3, 7) : 7);
    if (!fz_rare(s)) {
        if (fz_rare(s)) ow_str(&opset, 1, fz_pick(s, 2) ? "ai.onnx" : "com.microsoft");
        ow_int(&opset, 2, g->opset);
        ow_sub(&model, 8, &opset);
    }
    if (fz_rare(s)) { /* a second opset entry */
        ow_int(&opset, 2, fz_int(s, 13, 8));
        ow_sub(&model, 8, &opset);
    }
    ow_sub(&model, 7, &g->graph);
    if (fz_rare(s) && model.len) model.len -= 1 + fz_pick(s, (unsigned)(model.len < 200 ? model.len : 200)); /* truncated */

    const char *dump = getenv("FUZZ_DUMP_ONNX"); /* the generated model, for a `load` regression */
    if (dump) {
        FILE *f = fopen(dump, "wb");
        if (f) fwrite(model.buf, 1, model.len, f), fclose(f);
    }
    fuzz_load_and_run(model.buf, model.len);
    free(model.buf);
    free(opset.buf);
    free(g);
    return 0;
}
