/* Operators evaluated at load: the shape arithmetic exporters emit around Reshape
 * and Slice (Shape -> Gather -> Unsqueeze -> Concat, Div and Cast of the channel
 * count, ConstantOfShape, Range, Equal / Where), on int64 or float constants. Shape
 * needs only its input's static shape, in which the batch dimension is 1: a folded
 * Reshape target such as [1, -1] keeps the batch (per-image semantics). */
#include <math.h>
#include <string.h>

#include "../ops.h"
#include "../status.h"

/* TensorProto element types a Cast may target. */
enum { T_FLOAT = 1, T_UINT8 = 2, T_INT8 = 3, T_UINT16 = 4, T_INT16 = 5, T_INT32 = 6, T_INT64 = 7, T_BOOL = 9,
       T_FLOAT16 = 10, T_DOUBLE = 11, T_UINT32 = 12, T_UINT64 = 13, T_BFLOAT16 = 16 };

static size_t elem_size(const gl_tensor *t) { return t->f ? sizeof(float) : sizeof(int64_t); }

/* ---- Shape: the static shape of any tensor -------------------------------- */
static gl_status shape_build(gl_build *b) {
    gl_tensor *x = gl_input(b, 0);
    if (!x) return gl_fail(GL_ERR_MODEL, "missing input 0");
    int rank = x->ndim, start = (int)gl_attr_int(b, "start", 0), end = (int)gl_attr_int(b, "end", rank);
    start = start < 0 ? start + rank : start;
    end = end < 0 ? end + rank : end;
    start = start < 0 ? 0 : start > rank ? rank : start;
    end = end < start ? start : end > rank ? rank : end;
    int n = end - start;
    int64_t *out;
    gl_status st = gl_build_const(b, 0, 1, &n, 0, (void **)&out);
    for (int d = 0; !st && d < n; d++) out[d] = x->dims[start + d];
    return st;
}

/* ---- Gather along one axis ------------------------------------------------- */
static gl_status gather_fold(gl_build *b) {
    gl_tensor *data, *idx;
    gl_status st;
    if ((st = gl_require_const(b, 0, &data)) || (st = gl_require_const(b, 1, &idx))) return st;
    if (!idx->i) return gl_fail(GL_ERR_MODEL, "indices '%s' must be integers", idx->name);
    int axis = (int)gl_attr_int(b, "axis", 0);
    if (axis < 0) axis += data->ndim;
    if (axis < 0 || axis >= data->ndim) return gl_fail(GL_ERR_MODEL, "axis %d is out of range", axis);
    int dims[GL_MAX_DIMS], ndim = data->ndim - 1 + idx->ndim;
    if (ndim > GL_MAX_DIMS) return gl_fail(GL_ERR_UNSUPPORTED, "the result would have %d dimensions", ndim);
    size_t outer = 1, inner = elem_size(data), extent = (size_t)data->dims[axis];
    for (int d = 0; d < axis; d++) dims[d] = data->dims[d], outer *= (size_t)data->dims[d];
    for (int d = 0; d < idx->ndim; d++) dims[axis + d] = idx->dims[d];
    for (int d = axis + 1; d < data->ndim; d++) dims[idx->ndim + d - 1] = data->dims[d], inner *= (size_t)data->dims[d];
    char *out;
    if ((st = gl_build_const(b, 0, ndim, dims, data->f != NULL, (void **)&out))) return st;
    const char *src = data->f ? (const char *)data->f : (const char *)data->i;
    for (size_t o = 0; o < outer; o++)
        for (int j = 0; j < idx->numel; j++) {
            int64_t at = idx->i[j] < 0 ? idx->i[j] + (int64_t)extent : idx->i[j];
            if (at < 0 || at >= (int64_t)extent)
                return gl_fail(GL_ERR_MODEL, "index %lld is out of range for dimension %zu", (long long)idx->i[j], extent);
            memcpy(out + (o * (size_t)idx->numel + (size_t)j) * inner, src + (o * extent + (size_t)at) * inner, inner);
        }
    return GL_OK;
}

/* ---- Cast ------------------------------------------------------------------ */
static int is_float_type(int64_t to) {
    return to == T_FLOAT || to == T_FLOAT16 || to == T_DOUBLE || to == T_BFLOAT16;
}

static int is_int_type(int64_t to) {
    return to == T_UINT8 || to == T_INT8 || to == T_UINT16 || to == T_INT16 || to == T_INT32 || to == T_INT64 ||
           to == T_BOOL || to == T_UINT32 || to == T_UINT64;
}

/* Constants become float32 (every float type: the engine computes in float32) or
 * int64 (every integer type and bool, truncating floats toward zero). */
static gl_status cast_fold(gl_build *b) {
    gl_tensor *x;
    gl_status st = gl_require_const(b, 0, &x);
    int64_t to = gl_attr_int(b, "to", 0);
    if (st) return st;
    if (!is_float_type(to) && !is_int_type(to)) return gl_fail(GL_ERR_UNSUPPORTED, "Cast to element type %lld", (long long)to);
    void *out;
    if ((st = gl_build_const(b, 0, x->ndim, x->dims, is_float_type(to), &out))) return st;
    for (int k = 0; k < x->numel; k++) {
        if (is_float_type(to)) {
            ((float *)out)[k] = x->f ? x->f[k] : (float)x->i[k];
            continue;
        }
        if (x->f && !(fabsf(x->f[k]) < 9.2e18f))
            return gl_fail(GL_ERR_MODEL, "Cast of %g to an integer overflows", x->f[k]);
        int64_t v = x->f ? (int64_t)x->f[k] : x->i[k];
        ((int64_t *)out)[k] = to == T_BOOL ? v != 0 || (x->f && x->f[k] != 0.0f) : v;
    }
    return GL_OK;
}

/* On an activation, a Cast between float types is the identity (float16 models cast
 * their input; the engine computes in float32 throughout). */
static gl_status cast_build(gl_build *b) {
    int64_t to = gl_attr_int(b, "to", 0);
    if (!is_float_type(to))
        return gl_fail(GL_ERR_UNSUPPORTED, "Cast of an activation to element type %lld (only float types)", (long long)to);
    return gl_op_identity.build(b);
}

/* ---- ConstantOfShape and Range --------------------------------------------- */
static gl_status constant_of_shape_fold(gl_build *b) {
    int64_t shape[GL_MAX_DIMS];
    int n, dims[GL_MAX_DIMS];
    gl_status st = gl_const_ints(b, 0, "shape", shape, GL_MAX_DIMS, &n);
    if (st) return st;
    for (int d = 0; d < n; d++) {
        if (shape[d] < 0 || shape[d] > (1 << 24)) return gl_fail(GL_ERR_MODEL, "shape[%d] = %lld", d, (long long)shape[d]);
        dims[d] = (int)shape[d];
    }
    const onnx_attr *a = onnx_find_attr(b->src, "value");
    const onnx_tensor *value = a && a->type == ONNX_ATTR_TENSOR ? a->t : NULL;
    if (value && (value->numel != 1 || (!value->f && !value->i)))
        return gl_fail(GL_ERR_UNSUPPORTED, "value must be one float or integer");
    void *out;
    if ((st = gl_build_const(b, 0, n, dims, !value || value->f, &out))) return st;
    int numel = b->g->tensors[b->node->out[0]].numel;
    for (int k = 0; k < numel; k++) {
        if (value && value->i) ((int64_t *)out)[k] = value->i[0];
        else ((float *)out)[k] = value ? value->f[0] : 0.0f;
    }
    return GL_OK;
}

static gl_status range_fold(gl_build *b) {
    gl_tensor *in[3];
    gl_status st;
    for (int k = 0; k < 3; k++) {
        if ((st = gl_require_const(b, k, &in[k]))) return st;
        if (in[k]->numel != 1 || (in[k]->f != NULL) != (in[0]->f != NULL))
            return gl_fail(GL_ERR_MODEL, "start, limit and delta must be scalars of one type");
    }
    double start = in[0]->f ? in[0]->f[0] : (double)in[0]->i[0], limit = in[1]->f ? in[1]->f[0] : (double)in[1]->i[0];
    double delta = in[2]->f ? in[2]->f[0] : (double)in[2]->i[0], count = ceil((limit - start) / delta);
    if (delta == 0 || !(count < (1 << 24))) return gl_fail(GL_ERR_MODEL, "Range(%g, %g, %g) is not a valid range", start, limit, delta);
    int n = count > 0 ? (int)count : 0;
    void *out;
    if ((st = gl_build_const(b, 0, 1, &n, in[0]->f != NULL, &out))) return st;
    for (int k = 0; k < n; k++) {
        if (in[0]->f) ((float *)out)[k] = in[0]->f[0] + (float)k * in[2]->f[0];
        else ((int64_t *)out)[k] = (int64_t)((uint64_t)in[0]->i[0] + (uint64_t)k * (uint64_t)in[2]->i[0]);
    }
    return GL_OK;
}

/* ---- elementwise arithmetic and comparisons -------------------------------- */
typedef struct {
    char op;                    /* + - * / (Div), = (Equal), ? (Where) */
    gl_tensor *in[3];
    float *f;                   /* the output, float or int64 */
    int64_t *i;
    int divided_by_zero;
} elt_ctx;

/* int64 arithmetic wraps (as two's complement) instead of overflowing. */
static int64_t int_op(char op, int64_t a, int64_t b, int *divided_by_zero) {
    switch (op) {
    case '+': return (int64_t)((uint64_t)a + (uint64_t)b);
    case '-': return (int64_t)((uint64_t)a - (uint64_t)b);
    case '*': return (int64_t)((uint64_t)a * (uint64_t)b);
    default:
        if (b == 0 || (a == INT64_MIN && b == -1)) return *divided_by_zero = 1, 0;
        return a / b;   /* truncation, as ONNX Runtime */
    }
}

static float float_op(char op, float a, float b) {
    return op == '+' ? a + b : op == '-' ? a - b : op == '*' ? a * b : a / b;
}

static void elt_one(size_t out, const size_t *o, void *c) {
    elt_ctx *x = c;
    const gl_tensor *a = x->in[0], *b = x->in[1];
    if (x->op == '?') {
        int take = a->i[o[0]] != 0;
        const gl_tensor *from = x->in[take ? 1 : 2];
        if (x->f) x->f[out] = from->f[o[take ? 1 : 2]];
        else x->i[out] = from->i[o[take ? 1 : 2]];
    } else if (x->op == '=') {
        x->i[out] = a->f ? a->f[o[0]] == b->f[o[1]] : a->i[o[0]] == b->i[o[1]];
    } else if (x->f) {
        x->f[out] = float_op(x->op, a->f[o[0]], b->f[o[1]]);
    } else {
        x->i[out] = int_op(x->op, a->i[o[0]], b->i[o[1]], &x->divided_by_zero);
    }
}

gl_status gl_fold_elementwise(gl_build *b) {
    static const char *const names[] = {"Add", "Sub", "Mul", "Div", "Equal", "Where"};
    static const char ops[] = "+-*/=?";
    elt_ctx c = {0};
    for (int k = 0; k < 6; k++)
        if (!strcmp(b->src->op_type, names[k])) c.op = ops[k];
    int n = c.op == '?' ? 3 : 2, first = c.op == '?';   /* the operands whose type is the result's */
    gl_status st;
    for (int k = 0; k < n; k++)
        if ((st = gl_require_const(b, k, &c.in[k]))) return st;
    if ((c.in[first]->f != NULL) != (c.in[n - 1]->f != NULL))
        return gl_fail(GL_ERR_MODEL, "'%s' and '%s' have different element types", c.in[first]->name, c.in[n - 1]->name);
    if (c.op == '?' && !c.in[0]->i) return gl_fail(GL_ERR_MODEL, "condition '%s' must be boolean", c.in[0]->name);
    gl_broadcast bc;
    if ((st = gl_broadcast_init(&bc, n, c.in))) return st;
    int is_float = c.op != '=' && c.in[first]->f;
    void *out;
    if ((st = gl_build_const(b, 0, bc.ndim, bc.dims, is_float, &out))) return st;
    if (is_float) c.f = out;
    else c.i = out;
    gl_broadcast_each(&bc, elt_one, &c);
    if (c.divided_by_zero) return gl_fail(GL_ERR_MODEL, "integer division by zero");
    return GL_OK;
}

const gl_op gl_op_shape = {.name = "Shape", .build = shape_build};
const gl_op gl_op_gather = {.name = "Gather", .fold = gather_fold};
const gl_op gl_op_cast = {.name = "Cast", .build = cast_build, .fold = cast_fold};
const gl_op gl_op_constant_of_shape = {.name = "ConstantOfShape", .fold = constant_of_shape_fold};
const gl_op gl_op_range = {.name = "Range", .fold = range_fold};
const gl_op gl_op_equal = {.name = "Equal", .fold = gl_fold_elementwise};
const gl_op gl_op_where = {.name = "Where", .fold = gl_fold_elementwise};
