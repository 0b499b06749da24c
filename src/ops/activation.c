/* Pointwise activations. Relu, LeakyRelu and Clip (ReLU6): the gradient passes
 * where the input was strictly inside the linear range (PyTorch's rule at the
 * kinks). Sigmoid and Tanh (gradients from the output), HardSigmoid and HardSwish
 * (MobileNet v3; exporters before opset 14 write HardSwish as x * HardSigmoid(x)). */
#include <math.h>

#include "../ops.h"
#include "../parallel.h"
#include "../status.h"

typedef struct {
    float lo, hi;      /* clamp range (Relu: 0, +inf) */
    float alpha;       /* LeakyRelu slope; HardSigmoid alpha * x + beta */
    float beta;
} act_params;

static gl_status act_alloc(gl_build *b, act_params **p) {
    gl_tensor *x;
    gl_status st = gl_require_activation(b, 0, &x);
    if (st) return st;
    if (!(*p = gl_build_alloc(b, sizeof **p))) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    (*p)->lo = 0.0f;
    (*p)->hi = INFINITY;
    b->node->p = *p;
    return gl_build_output(b, 0, x->ndim, x->dims, -1);
}

/* An activation without attributes. */
static gl_status plain_build(gl_build *b) {
    act_params *p;
    return act_alloc(b, &p);
}

static gl_status leaky_build(gl_build *b) {
    act_params *p;
    gl_status st = act_alloc(b, &p);
    if (!st) p->alpha = gl_attr_float(b, "alpha", 0.01f);
    return st;
}

/* A scalar bound given as an optional constant input (opset 11+). */
static gl_status clip_bound(gl_build *b, int k, float *out) {
    gl_tensor *t;
    gl_status st;
    if (!gl_input(b, k)) return GL_OK;
    if ((st = gl_require_const_float(b, k, k == 1 ? "min" : "max", &t))) return st;
    if (t->numel != 1) return gl_fail(GL_ERR_MODEL, "Clip bound '%s' must be a scalar", t->name);
    *out = t->f[0];
    return GL_OK;
}

static gl_status clip_build(gl_build *b) {
    act_params *p;
    gl_status st = act_alloc(b, &p);
    if (st) return st;
    p->lo = -INFINITY;
    if (b->g->opset < 11) {
        p->lo = gl_attr_float(b, "min", -INFINITY);
        p->hi = gl_attr_float(b, "max", INFINITY);
        return GL_OK;
    }
    if ((st = clip_bound(b, 1, &p->lo)) || (st = clip_bound(b, 2, &p->hi))) return st;
    if (!(p->lo <= p->hi)) return gl_fail(GL_ERR_MODEL, "Clip min %g is above max %g", p->lo, p->hi);
    return GL_OK;
}

static gl_status hardsigmoid_build(gl_build *b) {
    act_params *p;
    gl_status st = act_alloc(b, &p);
    if (st) return st;
    p->alpha = gl_attr_float(b, "alpha", 0.2f);
    p->beta = gl_attr_float(b, "beta", 0.5f);
    return GL_OK;
}


static void clamp_forward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    const act_params *p = node->p;
    gl_clamp_vec(gl_value(e, node->in[0]) + off, p->lo, p->hi, n, gl_value(e, node->out[0]) + off);
}

static void clamp_backward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    const act_params *p = node->p;
    /* Guided backpropagation changes the rule of ReLU-like units only: Relu, and Clip
     * from 0 (ReLU6), the units Springenberg et al. and PyTorch's hooks treat as ReLU. */
    int guided = e->guided && p->lo == 0.0f;
    gl_clamp_backward_vec(gl_value(e, node->in[0]) + off, gl_grad(e, node->out[0]) + off, p->lo, p->hi, guided,
                          gl_grad_accumulate(node, 0), n, gl_grad(e, node->in[0]) + off);
}

static void leaky_forward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    const act_params *p = node->p;
    gl_leaky_relu_vec(gl_value(e, node->in[0]) + off, p->alpha, n, gl_value(e, node->out[0]) + off);
}

static void leaky_backward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    const act_params *p = node->p;
    gl_leaky_relu_backward_vec(gl_value(e, node->in[0]) + off, gl_grad(e, node->out[0]) + off, p->alpha, n,
                               gl_grad(e, node->in[0]) + off);
}

static void sigmoid_forward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    gl_sigmoid_vec(gl_value(e, node->in[0]) + off, n, gl_value(e, node->out[0]) + off);
}

static void sigmoid_backward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    gl_sigmoid_backward_vec(gl_value(e, node->out[0]) + off, gl_grad(e, node->out[0]) + off, n, gl_grad(e, node->in[0]) + off);
}

static void tanh_forward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    gl_tanh(gl_value(e, node->in[0]) + off, n, gl_value(e, node->out[0]) + off);
}

static void tanh_backward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    gl_tanh_backward(gl_value(e, node->out[0]) + off, gl_grad(e, node->out[0]) + off, n, gl_grad(e, node->in[0]) + off);
}

static void hardsigmoid_forward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    const act_params *p = node->p;
    gl_hardsigmoid_vec(gl_value(e, node->in[0]) + off, p->alpha, p->beta, n, gl_value(e, node->out[0]) + off);
}

static void hardsigmoid_backward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    const act_params *p = node->p;
    gl_hardsigmoid_backward_vec(gl_value(e, node->out[0]) + off, gl_grad(e, node->out[0]) + off, p->alpha, n,
                                gl_grad(e, node->in[0]) + off);
}

static void hardswish_forward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    gl_hardswish_vec(gl_value(e, node->in[0]) + off, n, gl_value(e, node->out[0]) + off);
}

static void hardswish_backward_range(const gl_node *node, const gl_exec *e, size_t off, size_t n) {
    gl_hardswish_backward_vec(gl_value(e, node->in[0]) + off, gl_grad(e, node->out[0]) + off, n, gl_grad(e, node->in[0]) + off);
}


/* ---- the operators: elementwise, so threads split the elements -------------- */
typedef void (*act_range)(const gl_node *node, const gl_exec *e, size_t off, size_t n);
typedef struct {
    const gl_node *node;
    const gl_exec *e;
    act_range range;
} act_job;

enum { ACT_GRAIN = 16384 }; /* floats per share at least: 64 KB, far above a job's cost */

static void act_blocks(void *job, int b0, int b1) {
    const act_job *j = job;
    size_t n = (size_t)gl_t(j->e, j->node->in[0])->numel * (size_t)j->e->N, lo = (size_t)b0 * ACT_GRAIN;
    size_t hi = (size_t)b1 * ACT_GRAIN < n ? (size_t)b1 * ACT_GRAIN : n;
    j->range(j->node, j->e, lo, hi - lo);
}

static void act_run(const gl_node *node, const gl_exec *e, act_range range) {
    act_job job = {node, e, range};
    size_t n = (size_t)gl_t(e, node->in[0])->numel * (size_t)e->N;
    gl_parallel_for((int)((n + ACT_GRAIN - 1) / ACT_GRAIN), 1, act_blocks, &job);
}

static void clamp_forward(const gl_node *node, const gl_exec *e) { act_run(node, e, clamp_forward_range); }
static void clamp_backward(const gl_node *node, const gl_exec *e) { act_run(node, e, clamp_backward_range); }
static void leaky_forward(const gl_node *node, const gl_exec *e) { act_run(node, e, leaky_forward_range); }
static void leaky_backward(const gl_node *node, const gl_exec *e) { act_run(node, e, leaky_backward_range); }
static void sigmoid_forward(const gl_node *node, const gl_exec *e) { act_run(node, e, sigmoid_forward_range); }
static void sigmoid_backward(const gl_node *node, const gl_exec *e) { act_run(node, e, sigmoid_backward_range); }
static void tanh_forward(const gl_node *node, const gl_exec *e) { act_run(node, e, tanh_forward_range); }
static void tanh_backward(const gl_node *node, const gl_exec *e) { act_run(node, e, tanh_backward_range); }
static void hardsigmoid_forward(const gl_node *node, const gl_exec *e) { act_run(node, e, hardsigmoid_forward_range); }
static void hardsigmoid_backward(const gl_node *node, const gl_exec *e) { act_run(node, e, hardsigmoid_backward_range); }
static void hardswish_forward(const gl_node *node, const gl_exec *e) { act_run(node, e, hardswish_forward_range); }
static void hardswish_backward(const gl_node *node, const gl_exec *e) { act_run(node, e, hardswish_backward_range); }

const gl_op gl_op_relu = {.name = "Relu", .build = plain_build, .forward = clamp_forward, .backward = clamp_backward,
                          .writes_whole_grad = gl_writes_input0_grad};
const gl_op gl_op_clip = {.name = "Clip", .build = clip_build, .forward = clamp_forward, .backward = clamp_backward,
                          .writes_whole_grad = gl_writes_input0_grad};
const gl_op gl_op_leaky_relu = {.name = "LeakyRelu", .build = leaky_build, .forward = leaky_forward, .backward = leaky_backward};
const gl_op gl_op_sigmoid = {.name = "Sigmoid", .build = plain_build, .forward = sigmoid_forward, .backward = sigmoid_backward};
const gl_op gl_op_tanh = {.name = "Tanh", .build = plain_build, .forward = tanh_forward, .backward = tanh_backward};
const gl_op gl_op_hardsigmoid = {.name = "HardSigmoid", .build = hardsigmoid_build, .forward = hardsigmoid_forward, .backward = hardsigmoid_backward};
const gl_op gl_op_hardswish = {.name = "HardSwish", .build = plain_build, .forward = hardswish_forward, .backward = hardswish_backward};
