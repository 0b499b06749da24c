/* Gemm and MatMul with constant weights: Y = alpha * A . op(B) + beta * C.
 * The activation A is (rows, K) per image with rows usually 1; a chunk of N
 * images is one (N*rows, K) GEMM, so batches share every weight read. */
#include <string.h>

#include "../ops.h"
#include "../rng.h"
#include "../status.h"

typedef struct {
    int rows, K, M;     /* per image: A (rows, K), Y (rows, M) */
    float *b;           /* (K, M) = alpha * op(B) */
    float *bt;          /* (M, K), for the input gradient */
    float *bias;        /* (rows, M) = beta * C broadcast, or NULL */
} gemm_params;

static void transpose_b(gemm_params *p) {
    for (int k = 0; k < p->K; k++)
        for (int m = 0; m < p->M; m++) p->bt[(size_t)m * p->K + k] = p->b[(size_t)k * p->M + m];
}

/* B (K, M) after transB and alpha, and its transpose. */
static gl_status pack_weights(gl_build *b, gemm_params *p, const gl_tensor *B, int trans_b, float alpha) {
    p->b = gl_build_alloc(b, (size_t)p->K * p->M * sizeof(float));
    p->bt = gl_build_alloc(b, (size_t)p->K * p->M * sizeof(float));
    if (!p->b || !p->bt) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory for weights");
    for (int k = 0; k < p->K; k++)
        for (int m = 0; m < p->M; m++)
            p->b[(size_t)k * p->M + m] = alpha * (trans_b ? B->f[(size_t)m * p->K + k] : B->f[(size_t)k * p->M + m]);
    transpose_b(p);
    return GL_OK;
}

static gl_status gemm_common(gl_build *b, int trans_b, float alpha, gemm_params **out) {
    gl_tensor *A, *B;
    gl_status st;
    if ((st = gl_require_activation(b, 0, &A)) || (st = gl_require_const_float(b, 1, "B", &B))) return st;
    if (B->ndim != 2) return gl_fail(GL_ERR_UNSUPPORTED, "B '%s' must be a 2-D constant", B->name);
    gemm_params *p = gl_build_alloc(b, sizeof *p);
    if (!p) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    p->K = trans_b ? B->dims[1] : B->dims[0];
    p->M = trans_b ? B->dims[0] : B->dims[1];
    int a_k = A->ndim ? A->dims[A->ndim - 1] : 0;
    if (a_k != p->K)
        return gl_fail(GL_ERR_MODEL, "A '%s' has %d columns but B '%s' has %d rows", A->name, a_k, B->name, p->K);
    p->rows = A->numel / p->K;
    if ((st = pack_weights(b, p, B, trans_b, alpha))) return st;
    b->node->p = p;
    *out = p;
    int dims[GL_MAX_DIMS];
    memcpy(dims, A->dims, sizeof dims);
    dims[A->ndim - 1] = p->M;
    return gl_build_output(b, 0, A->ndim, dims, -1);
}

static gl_status gemm_build(gl_build *b) {
    if (gl_attr_int(b, "transA", 0))
        return gl_fail(GL_ERR_UNSUPPORTED, "transA = 1 would put the batch in the columns; not supported");
    gemm_params *p;
    gl_status st = gemm_common(b, (int)gl_attr_int(b, "transB", 0), gl_attr_float(b, "alpha", 1.0f), &p);
    if (st) return st;
    gl_tensor *C;
    if (!gl_input(b, 2)) return GL_OK;
    if ((st = gl_require_const_float(b, 2, "C", &C))) return st;
    /* C broadcasts to (rows, M): a scalar, (M), (1, M), (rows, 1) or (rows, M). */
    int c_cols = C->ndim ? C->dims[C->ndim - 1] : 1, c_rows = C->ndim == 2 ? C->dims[0] : 1;
    if ((c_cols != 1 && c_cols != p->M) || (c_rows != 1 && c_rows != p->rows) || C->ndim > 2)
        return gl_fail(GL_ERR_MODEL, "C '%s' does not broadcast to (%d, %d)", C->name, p->rows, p->M);
    float beta = gl_attr_float(b, "beta", 1.0f);
    if (!(p->bias = gl_build_alloc(b, (size_t)p->rows * p->M * sizeof(float))))
        return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    for (int r = 0; r < p->rows; r++)
        for (int m = 0; m < p->M; m++)
            p->bias[(size_t)r * p->M + m] = beta * C->f[(c_rows == 1 ? 0 : r) * c_cols + (c_cols == 1 ? 0 : m)];
    return GL_OK;
}

static gl_status matmul_build(gl_build *b) {
    gemm_params *p;
    return gemm_common(b, 0, 1.0f, &p);
}

static void gemm_randomize(gl_node *node, gl_rng *rng) {
    gemm_params *p = node->p;
    gl_rng_redraw(rng, p->b, (size_t)p->K * p->M);
    transpose_b(p);
    if (p->bias) gl_rng_redraw(rng, p->bias, (size_t)p->rows * p->M);
}

static void gemm_forward(const gl_node *node, const gl_exec *e) {
    const gemm_params *p = node->p;
    int rows = p->rows * e->N;
    const float *a = gl_value(e, node->in[0]);   /* (N*rows, K) */
    float *y = gl_value(e, node->out[0]);        /* (N*rows, M) */
    for (int n = 0; n < e->N; n++) {
        float *yn = y + (size_t)n * p->rows * p->M;
        if (p->bias) memcpy(yn, p->bias, (size_t)p->rows * p->M * sizeof(float));
        else gl_fill(yn, 0.0f, (size_t)p->rows * p->M);
    }
    gl_gemm_vec(rows, p->M, p->K, a, p->K, p->b, p->M, y, p->M, 1);
}

static void gemm_backward(const gl_node *node, const gl_exec *e) {
    const gemm_params *p = node->p;
    gl_gemm_vec(p->rows * e->N, p->K, p->M, gl_grad(e, node->out[0]), p->M, p->bt, p->K, gl_grad(e, node->in[0]), p->K,
                gl_grad_accumulate(node, 0));
}

const gl_op gl_op_gemm = {.name = "Gemm", .build = gemm_build, .forward = gemm_forward, .backward = gemm_backward, .randomize = gemm_randomize,
                          .writes_whole_grad = gl_writes_input0_grad};
const gl_op gl_op_matmul = {.name = "MatMul", .build = matmul_build, .forward = gemm_forward, .backward = gemm_backward, .randomize = gemm_randomize,
                            .writes_whole_grad = gl_writes_input0_grad};
