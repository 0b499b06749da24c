/* Finite-difference gradient checks, one small graph per operator form
 * (ggml-style): the engine's backward pass of sum(w * scores) against central
 * differences of its own forward pass, along random directions. Native build,
 * under AddressSanitizer and UBSan. The forward passes themselves are checked
 * against PyTorch by the JS fixture tests; the few index-heavy forms no fixture
 * reaches (LRN windows, negative Slice steps) against direct loops here. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "gradlens.h"
#include "onnx_writer.h"

static uint64_t rng = 42;

/* n uniform floats in [lo, hi): scratch weights for initializers. */
static float *rand_floats(int n, float lo, float hi) {
    float *p = malloc((size_t)n * sizeof *p);
    for (int k = 0; k < n; k++) p[k] = check_rand_float(&rng, lo, hi);
    return p;
}

static void init_rand(ow_model *m, const char *name, int ndim, const int64_t *dims) {
    int n = 1;
    for (int d = 0; d < ndim; d++) n *= (int)dims[d];
    float *f = rand_floats(n, -0.5f, 0.5f);
    ow_init(m, name, ndim, dims, f, NULL);
    free(f);
}

static double weighted_score(gl_model *m, const gl_images *x, const float *w, int K) {
    float *logits = malloc((size_t)x->n * K * sizeof *logits);
    gl_status st = gl_predict(m, x, logits, NULL);
    CHECK(st == GL_OK, "predict: %s", gl_last_error());
    double s = 0;
    for (int k = 0; k < x->n * K; k++) s += (double)w[k] * logits[k];
    free(logits);
    return s;
}

/* Per-image semantics: the scores of a batch of N are, bit for bit, those of each image alone
 * (a folded Reshape target [1, -1] keeps the batch, N copies of every tensor). */
static void check_batch_equals_single(gl_model *m, const float *x, int N, int per_image, int K) {
    float *batch = malloc((size_t)N * K * sizeof *batch), *one = malloc((size_t)K * sizeof *one);
    int c, h, w;
    gl_model_input_shape(m, &c, &h, &w);
    gl_images all = {x, N, c, h, w};
    CHECK(gl_predict(m, &all, batch, NULL) == GL_OK, "predict: %s", gl_last_error());
    for (int n = 0; n < N; n++) {
        gl_images single = {x + (size_t)n * per_image, 1, c, h, w};
        CHECK(gl_predict(m, &single, one, NULL) == GL_OK, "predict: %s", gl_last_error());
        CHECK_CLOSE_REL(one, batch + (size_t)n * K, (size_t)K, 0.0);
    }
    free(batch), free(one);
}

/* Loads the model, checks d(sum w*scores)/dx along random directions. */
static void gradcheck(const char *name, ow_model *om) {
    CHECK_CONTEXT("%s", name);
    gl_model *m;
    gl_status st = gl_model_load(om->buf, om->len, &m);
    CHECK(st == GL_OK, "load: %s", gl_last_error());
    ow_free(om);
    if (st) return;
    float mean = 1.0f, std = 1.0f;
    gl_model_set_preprocess(m, 2.0f, &mean, &std, 1); /* z = 2p - 1: both signs reach the network */
    int c, h, w, K = gl_model_num_classes(m), N = 2;
    gl_model_input_shape(m, &c, &h, &w);
    int n = N * c * h * w;
    float *x = rand_floats(n, 0.05f, 0.95f), *wts = rand_floats(N * K, -1.0f, 1.0f);
    float *grad = malloc((size_t)n * sizeof *grad), *xp = malloc((size_t)n * sizeof *xp);
    gl_images images = {x, N, c, h, w}, moved = {xp, N, c, h, w};
    check_batch_equals_single(m, x, N, c * h * w, K);
    st = gl_gradient(m, &images, wts, -1, grad, NULL);
    CHECK(st == GL_OK, "gradient: %s", gl_last_error());
    for (int trial = 0; trial < 4 && !st; trial++) {
        float *v = rand_floats(n, -1.0f, 1.0f);
        double analytic = 0, gnorm = 0, vnorm = 0;
        for (int k = 0; k < n; k++) {
            analytic += (double)grad[k] * v[k];
            gnorm += (double)grad[k] * grad[k];
            vnorm += (double)v[k] * v[k];
        }
        /* A step can cross a kink (ReLU, Clip, a max-pool argmax) and bend the
         * difference; that error shrinks with the step, a wrong gradient's does not:
         * the check passes if the difference agrees at either step size. */
        double numeric[2], scale = sqrt(gnorm * vnorm) + 1e-12;
        const float eps[2] = {1e-3f, 1.25e-4f};
        for (int s = 0; s < 2; s++) {
            for (int k = 0; k < n; k++) xp[k] = x[k] + eps[s] * v[k];
            double up = weighted_score(m, &moved, wts, K);
            for (int k = 0; k < n; k++) xp[k] = x[k] - eps[s] * v[k];
            numeric[s] = (up - weighted_score(m, &moved, wts, K)) / (2.0 * eps[s]);
        }
        double err = fmin(fabs(numeric[0] - analytic), fabs(numeric[1] - analytic));
        CHECK(err <= 2e-3 * scale, "direction %d: finite differences %.6g, %.6g vs backward %.6g (scale %.3g)", trial,
              numeric[0], numeric[1], analytic, scale);
        CHECK(gnorm > 0, "the gradient is identically zero");
        free(v);
    }
    free(x), free(wts), free(grad), free(xp);
    gl_model_free(m);
}

#define DIMS(...) ((int64_t[]){__VA_ARGS__})

static void conv_case(const char *name, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t group, int64_t k,
                      ow_attr a1, ow_attr a2, ow_attr a3) {
    ow_model m;
    ow_begin(&m, 13, DIMS(1, cin, h, w));
    ow_node(&m, "Conv", "x,w,b", "y", OW_INT("group", group), a1, a2, a3, OW_END);
    init_rand(&m, "w", 4, DIMS(cout, cin / group, k, k));
    init_rand(&m, "b", 1, DIMS(cout));
    ow_end(&m, "y");
    gradcheck(name, &m);
}

static void conv_cases(void) {
    conv_case("conv 3x3 pad 1", 3, 7, 9, 4, 1, 3, OW_INTS("pads", 4, 1, 1, 1, 1), OW_END, OW_END);
    conv_case("conv stride 2 dilation 2 asymmetric pads", 3, 11, 10, 4, 1, 3, OW_INTS("strides", 2, 2, 2),
              OW_INTS("dilations", 2, 2, 2), OW_INTS("pads", 4, 2, 1, 0, 3));
    conv_case("conv grouped", 6, 8, 8, 6, 3, 3, OW_INTS("pads", 4, 1, 1, 1, 1), OW_END, OW_END);
    conv_case("conv depthwise stride 2", 4, 9, 9, 4, 4, 3, OW_INTS("strides", 2, 2, 2), OW_INTS("pads", 4, 1, 1, 1, 1),
              OW_END);
    conv_case("conv depthwise multiplier 2", 2, 6, 7, 4, 2, 3, OW_END, OW_END, OW_END);
    conv_case("conv SAME_UPPER stride 2", 2, 7, 8, 3, 1, 4, OW_STRING("auto_pad", "SAME_UPPER"),
              OW_INTS("strides", 2, 2, 2), OW_END);
    conv_case("conv SAME_LOWER", 2, 7, 8, 3, 1, 4, OW_STRING("auto_pad", "SAME_LOWER"), OW_END, OW_END);
    conv_case("conv 1x1", 5, 4, 6, 3, 1, 1, OW_END, OW_END, OW_END);
    /* 3x3 stride 1 with 8+ channels each way: Winograd F(2x2, 3x3), odd sizes */
    conv_case("conv 3x3 Winograd", 8, 7, 9, 9, 1, 3, OW_INTS("pads", 4, 1, 1, 1, 1), OW_END, OW_END);
    conv_case("conv 3x3 Winograd pads 2,0 / 1,2", 9, 6, 5, 8, 1, 3, OW_INTS("pads", 4, 2, 0, 1, 2), OW_END, OW_END);
    conv_case("conv VALID 5x5", 2, 9, 9, 3, 1, 5, OW_STRING("auto_pad", "VALID"), OW_END, OW_END);
}

/* x -> op(x) with attributes, optionally after a 1x1 conv so inputs are mixed. */
static void unary_case(const char *name, int opset, const char *op, const char *inputs, int64_t c, int64_t h, int64_t w,
                       ow_attr a1, ow_attr a2, ow_attr a3, ow_attr a4) {
    ow_model m;
    ow_begin(&m, opset, DIMS(1, c, h, w));
    ow_node(&m, op, inputs, "y", a1, a2, a3, a4, OW_END);
    ow_end(&m, "y");
    gradcheck(name, &m);
}

static void pointwise_cases(void) {
    unary_case("relu", 13, "Relu", "x", 2, 5, 7, OW_END, OW_END, OW_END, OW_END);
    unary_case("leaky relu", 13, "LeakyRelu", "x", 2, 5, 7, OW_FLOAT("alpha", 0.2f), OW_END, OW_END, OW_END);
    unary_case("clip attributes (opset 7)", 7, "Clip", "x", 2, 5, 7, OW_FLOAT("min", -0.5f), OW_FLOAT("max", 0.4f), OW_END,
               OW_END);
    ow_model m;
    ow_begin(&m, 13, DIMS(1, 2, 5, 7));
    ow_node(&m, "Clip", "x,lo,hi", "y", OW_END);
    ow_init(&m, "lo", 0, NULL, (float[]){-0.3f}, NULL);
    ow_init(&m, "hi", 0, NULL, (float[]){0.6f}, NULL);
    ow_end(&m, "y");
    gradcheck("clip inputs (opset 13)", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));
    ow_node(&m, "BatchNormalization", "x,s,b,mu,var", "y", OW_FLOAT("epsilon", 1e-3f), OW_END);
    init_rand(&m, "s", 1, DIMS(3));
    init_rand(&m, "b", 1, DIMS(3));
    init_rand(&m, "mu", 1, DIMS(3));
    ow_init(&m, "var", 1, DIMS(3), (float[]){0.5f, 1.0f, 2.0f}, NULL);
    ow_end(&m, "y");
    gradcheck("batchnorm standalone", &m);

    ow_begin(&m, 13, DIMS(1, 3, 6, 5));
    ow_node(&m, "Conv", "x,w", "c", OW_INTS("pads", 4, 1, 1, 1, 1), OW_END);
    ow_node(&m, "BatchNormalization", "c,s,b,mu,var", "y", OW_END);
    init_rand(&m, "w", 4, DIMS(4, 3, 3, 3));
    init_rand(&m, "s", 1, DIMS(4));
    init_rand(&m, "b", 1, DIMS(4));
    init_rand(&m, "mu", 1, DIMS(4));
    ow_init(&m, "var", 1, DIMS(4), (float[]){0.5f, 1.0f, 2.0f, 0.1f}, NULL);
    ow_end(&m, "y");
    gradcheck("conv + batchnorm (folded)", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));
    ow_node(&m, "Add", "x,bias", "y", OW_END);
    init_rand(&m, "bias", 3, DIMS(3, 1, 1));
    ow_end(&m, "y");
    gradcheck("add (C,1,1) broadcast", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));
    ow_node(&m, "LeakyRelu", "x", "a", OW_FLOAT("alpha", 0.3f), OW_END);
    ow_node(&m, "Add", "a,x", "y", OW_END);
    ow_end(&m, "y");
    gradcheck("add of two activations", &m);

    ow_begin(&m, 13, DIMS(1, 2, 4, 5));
    ow_node(&m, "Conv", "x,w", "a", OW_END);
    ow_node(&m, "Add", "x,a", "y", OW_END); /* (1,2,4,5) + (1,1,4,5): broadcast between activations */
    init_rand(&m, "w", 4, DIMS(1, 2, 1, 1));
    ow_end(&m, "y");
    gradcheck("add broadcast between activations", &m);

    ow_begin(&m, 13, DIMS(1, 2, 4, 5));
    ow_node(&m, "LeakyRelu", "x", "a", OW_FLOAT("alpha", 0.3f), OW_END);
    ow_node(&m, "Concat", "x,a,x", "y", OW_INT("axis", 1), OW_END);
    ow_end(&m, "y");
    gradcheck("concat channels", &m);

    ow_begin(&m, 13, DIMS(1, 2, 4, 5));
    ow_node(&m, "Concat", "x,x", "y", OW_INT("axis", -1), OW_END);
    ow_end(&m, "y");
    gradcheck("concat last axis", &m);
}

static void pool_cases(void) {
    unary_case("maxpool 3x3 s2 pad 1 ceil", 13, "MaxPool", "x", 2, 8, 9, OW_INTS("kernel_shape", 2, 3, 3),
               OW_INTS("strides", 2, 2, 2), OW_INTS("pads", 4, 1, 1, 1, 1), OW_INT("ceil_mode", 1));
    unary_case("maxpool 2x2 (opset 7)", 7, "MaxPool", "x", 2, 8, 9, OW_INTS("kernel_shape", 2, 2, 2),
               OW_INTS("strides", 2, 2, 2), OW_END, OW_END);
    unary_case("avgpool exclude pad ceil", 13, "AveragePool", "x", 2, 8, 9, OW_INTS("kernel_shape", 2, 3, 3),
               OW_INTS("strides", 2, 2, 2), OW_INTS("pads", 4, 1, 1, 1, 1), OW_INT("ceil_mode", 1));
    unary_case("avgpool include pad", 13, "AveragePool", "x", 2, 8, 9, OW_INTS("kernel_shape", 2, 3, 2),
               OW_INTS("pads", 4, 1, 0, 1, 1), OW_INT("count_include_pad", 1), OW_END);
    unary_case("global average pool", 13, "GlobalAveragePool", "x", 3, 5, 6, OW_END, OW_END, OW_END, OW_END);
}

static void dense_cases(void) {
    ow_model m;
    ow_begin(&m, 13, DIMS(1, 2, 3, 4));
    ow_node(&m, "Flatten", "x", "f", OW_END);
    ow_node(&m, "Gemm", "f,B,C", "y", OW_INT("transB", 1), OW_FLOAT("alpha", 0.7f), OW_FLOAT("beta", 1.5f), OW_END);
    init_rand(&m, "B", 2, DIMS(5, 24));
    init_rand(&m, "C", 1, DIMS(5));
    ow_end(&m, "y");
    gradcheck("flatten + gemm transB alpha beta", &m);

    ow_begin(&m, 13, DIMS(1, 2, 3, 4));
    ow_node(&m, "Reshape", "x,shape", "f", OW_END);
    ow_node(&m, "MatMul", "f,B", "y", OW_END);
    ow_init(&m, "shape", 1, DIMS(2), NULL, (int64_t[]){0, -1});
    init_rand(&m, "B", 2, DIMS(24, 6));
    ow_end(&m, "y");
    gradcheck("reshape (0, -1) + matmul", &m);

    ow_begin(&m, 13, DIMS(1, 2, 3, 4));
    ow_node(&m, "Identity", "x", "a", OW_END);
    ow_node(&m, "Dropout", "a", "b", OW_END);
    ow_node(&m, "Flatten", "b", "f", OW_END);
    ow_node(&m, "Gemm", "f,B", "s", OW_END);
    ow_node(&m, "Softmax", "s", "y", OW_END);
    init_rand(&m, "B", 2, DIMS(24, 4));
    ow_end(&m, "y");
    gradcheck("identity, dropout, gemm, softmax (scored before softmax)", &m);
}

/* An int64 initializer of n values (shapes, axes, pads, indices); n = 0: a scalar. */
static void init_ints(ow_model *m, const char *name, int n, const int64_t *v) {
    ow_init(m, name, n ? 1 : 0, n ? DIMS(n) : NULL, NULL, v);
}

#define INTS(...) ((int64_t[]){__VA_ARGS__})

static void gate_cases(void) {
    unary_case("sigmoid", 13, "Sigmoid", "x", 2, 5, 7, OW_END, OW_END, OW_END, OW_END);
    unary_case("tanh", 13, "Tanh", "x", 2, 5, 7, OW_END, OW_END, OW_END, OW_END);
    ow_model m;
    /* x in [-3.5, 3.5): both kinks of each hard gate are inside */
    ow_begin(&m, 13, DIMS(1, 2, 5, 7));
    ow_node(&m, "Mul", "x,four", "s", OW_END);
    ow_node(&m, "HardSigmoid", "s", "y", OW_FLOAT("alpha", 0.3f), OW_FLOAT("beta", 0.4f), OW_END);
    ow_init(&m, "four", 0, NULL, (float[]){3.5f}, NULL);
    ow_end(&m, "y");
    gradcheck("hardsigmoid (alpha, beta)", &m);

    ow_begin(&m, 17, DIMS(1, 2, 5, 7));
    ow_node(&m, "Mul", "x,four", "s", OW_END);
    ow_node(&m, "HardSwish", "s", "y", OW_END);
    ow_init(&m, "four", 0, NULL, (float[]){3.5f}, NULL);
    ow_end(&m, "y");
    gradcheck("hardswish", &m);

    ow_begin(&m, 13, DIMS(1, 2, 5, 7));   /* what opset 11 exports for nn.Hardswish */
    ow_node(&m, "Mul", "x,four", "s", OW_END);
    ow_node(&m, "HardSigmoid", "s", "g", OW_FLOAT("alpha", 1.0f / 6.0f), OW_END);
    ow_node(&m, "Mul", "s,g", "y", OW_END);
    ow_init(&m, "four", 0, NULL, (float[]){3.5f}, NULL);
    ow_end(&m, "y");
    gradcheck("x * hardsigmoid(x)", &m);
}

static void binary_cases(void) {
    ow_model m;
    ow_begin(&m, 13, DIMS(1, 3, 4, 5));   /* SiLU: a product of two activations of one shape */
    ow_node(&m, "Sigmoid", "x", "s", OW_END);
    ow_node(&m, "Mul", "x,s", "y", OW_END);
    ow_end(&m, "y");
    gradcheck("mul same shape (SiLU)", &m);

    ow_begin(&m, 13, DIMS(1, 4, 5, 6));   /* squeeze-and-excitation: (1,C,H,W) * (1,C,1,1) */
    ow_node(&m, "GlobalAveragePool", "x", "p", OW_END);
    ow_node(&m, "Conv", "p,w", "c", OW_END);
    ow_node(&m, "Sigmoid", "c", "g", OW_END);
    ow_node(&m, "Mul", "x,g", "y", OW_END);
    init_rand(&m, "w", 4, DIMS(4, 4, 1, 1));
    ow_end(&m, "y");
    gradcheck("mul squeeze-and-excitation gate", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));   /* gate first: the full operand is the second */
    ow_node(&m, "ReduceMean", "x", "g", OW_INTS("axes", 2, 2, 3), OW_END);
    ow_node(&m, "Sub", "g,x", "a", OW_END);
    ow_node(&m, "Add", "g,a", "b", OW_END);
    ow_node(&m, "Sigmoid", "g", "g1", OW_END);
    ow_node(&m, "Add", "g1,one", "g2", OW_END);
    ow_node(&m, "Div", "b,g2", "y", OW_END);
    ow_init(&m, "one", 0, NULL, (float[]){1.0f}, NULL);
    ow_end(&m, "y");
    gradcheck("sub, add, div with a per-plane activation", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));   /* constants per channel and scalars, on either side */
    ow_node(&m, "Sub", "x,mean", "a", OW_END);
    ow_node(&m, "Div", "a,std", "b", OW_END);
    ow_node(&m, "Sub", "half,b", "c", OW_END);
    ow_node(&m, "Mul", "c,scale", "d", OW_END);
    ow_node(&m, "Add", "d,three", "e", OW_END);
    ow_node(&m, "Div", "one,e", "y", OW_END);   /* general form: e is the divisor */
    init_rand(&m, "mean", 3, DIMS(3, 1, 1));
    ow_init(&m, "std", 4, DIMS(1, 3, 1, 1), (float[]){0.5f, 1.0f, 2.0f}, NULL);
    ow_init(&m, "half", 0, NULL, (float[]){0.5f}, NULL);
    init_rand(&m, "scale", 1, DIMS(5));
    ow_init(&m, "three", 0, NULL, (float[]){6.0f}, NULL);
    ow_init(&m, "one", 0, NULL, (float[]){1.0f}, NULL);
    ow_end(&m, "y");
    gradcheck("sub, div, mul with constants (per channel, per column, scalar)", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));   /* general broadcast between activations: (1,C,H,W) with (1,1,H,1) */
    ow_node(&m, "Conv", "x,w", "a", OW_END);
    ow_node(&m, "ReduceMean", "a", "r", OW_INTS("axes", 1, 3), OW_END);
    ow_node(&m, "Mul", "x,r", "p", OW_END);
    ow_node(&m, "Sub", "r,x", "q", OW_END);
    ow_node(&m, "Mul", "r,r", "r2", OW_END);
    ow_node(&m, "Add", "r2,one", "s", OW_END);
    ow_node(&m, "Div", "x,s", "d", OW_END);
    ow_node(&m, "Concat", "p,q,d", "y", OW_INT("axis", 1), OW_END);
    init_rand(&m, "w", 4, DIMS(1, 3, 1, 1));
    ow_init(&m, "one", 0, NULL, (float[]){1.0f}, NULL);
    ow_end(&m, "y");
    gradcheck("mul, sub, div general broadcast between activations", &m);
}

static void reduce_cases(void) {
    ow_model m;
    ow_begin(&m, 13, DIMS(1, 3, 4, 5));
    ow_node(&m, "ReduceMean", "x", "y", OW_INTS("axes", 2, -1, 2), OW_INT("keepdims", 0), OW_END);
    ow_end(&m, "y");
    gradcheck("reduce mean spatial, axes attribute, keepdims 0 (opset 13)", &m);

    ow_begin(&m, 18, DIMS(1, 3, 4, 5));
    ow_node(&m, "ReduceMean", "x,axes", "y", OW_END);
    init_ints(&m, "axes", 1, INTS(1));
    ow_end(&m, "y");
    gradcheck("reduce mean over channels, axes input (opset 18)", &m);

    unary_case("global max pool", 13, "GlobalMaxPool", "x", 3, 4, 5, OW_END, OW_END, OW_END, OW_END);
    unary_case("lrn size 3", 13, "LRN", "x", 6, 3, 4, OW_INT("size", 3), OW_FLOAT("alpha", 0.9f), OW_FLOAT("bias", 1.5f), OW_END);
    unary_case("lrn size 4 (asymmetric window)", 13, "LRN", "x", 6, 3, 4, OW_INT("size", 4), OW_FLOAT("alpha", 0.6f),
               OW_FLOAT("beta", 0.6f), OW_END);
}

static void layout_cases(void) {
    ow_model m;
    ow_begin(&m, 13, DIMS(1, 6, 3, 4));   /* ShuffleNet's channel shuffle, 2 groups */
    ow_node(&m, "Reshape", "x,s5", "r", OW_END);
    ow_node(&m, "Transpose", "r", "t", OW_INTS("perm", 5, 0, 2, 1, 3, 4), OW_END);
    ow_node(&m, "Reshape", "t,s4", "y", OW_END);
    init_ints(&m, "s5", 5, INTS(1, 2, 3, 3, 4));
    init_ints(&m, "s4", 4, INTS(1, -1, 3, 4));
    ow_end(&m, "y");
    gradcheck("channel shuffle: reshape, transpose, reshape", &m);

    unary_case("transpose NCHW -> NWCH", 13, "Transpose", "x", 3, 4, 5, OW_INTS("perm", 4, 0, 3, 1, 2), OW_END, OW_END,
               OW_END);

    unary_case("slice attributes (opset 9)", 9, "Slice", "x", 5, 4, 6, OW_INTS("starts", 2, 1, -4),
               OW_INTS("ends", 2, 4, 1000), OW_INTS("axes", 2, 1, 3), OW_END);
    ow_begin(&m, 13, DIMS(1, 4, 6, 7));
    ow_node(&m, "Slice", "x,st,en,ax,sp", "y", OW_END);
    init_ints(&m, "st", 3, INTS(0, -1, 1));
    init_ints(&m, "en", 3, INTS(INT64_MAX, -1000, 7));
    init_ints(&m, "ax", 3, INTS(0, 2, 3));
    init_ints(&m, "sp", 3, INTS(1, -2, 2));
    ow_end(&m, "y");
    gradcheck("slice inputs, steps 2 and -2, whole batch (opset 13)", &m);

    ow_begin(&m, 11, DIMS(1, 4, 3, 5));
    ow_node(&m, "Split", "x", "a,b", OW_INT("axis", 1), OW_INTS("split", 2, 1, 3), OW_END);
    ow_node(&m, "Sigmoid", "b", "s", OW_END);
    ow_node(&m, "Concat", "s,a,a", "y", OW_INT("axis", 1), OW_END);
    ow_end(&m, "y");
    gradcheck("split attribute (opset 11)", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));
    ow_node(&m, "Split", "x,parts", "a,b", OW_INT("axis", -1), OW_END);
    ow_node(&m, "Mul", "a,a", "p", OW_END);
    ow_node(&m, "Concat", "b,p", "y", OW_INT("axis", 3), OW_END);
    init_ints(&m, "parts", 2, INTS(3, 2));
    ow_end(&m, "y");
    gradcheck("split input (opset 13)", &m);

    ow_begin(&m, 18, DIMS(1, 5, 3, 4));
    ow_node(&m, "Split", "x", "a,b,c", OW_INT("axis", 1), OW_INT("num_outputs", 3), OW_END);
    ow_node(&m, "Concat", "c,b,a", "y", OW_INT("axis", 1), OW_END);
    ow_end(&m, "y");
    gradcheck("split num_outputs 2, 2, 1 (opset 18)", &m);

    unary_case("pad attribute, value (opset 9)", 9, "Pad", "x", 2, 3, 4, OW_INTS("pads", 8, 0, 0, 1, 2, 0, 1, 0, 3),
               OW_FLOAT("value", 0.5f), OW_END, OW_END);
    ow_begin(&m, 13, DIMS(1, 2, 3, 4));
    ow_node(&m, "Pad", "x,pads,v", "p", OW_END);
    ow_node(&m, "Conv", "p,w", "y", OW_END);
    init_ints(&m, "pads", 8, INTS(0, 1, 2, 0, 0, 0, 1, 2));
    ow_init(&m, "v", 0, NULL, (float[]){-0.25f}, NULL);
    init_rand(&m, "w", 4, DIMS(3, 3, 3, 3));
    ow_end(&m, "y");
    gradcheck("pad inputs, channels too, then conv (opset 13)", &m);
    ow_begin(&m, 18, DIMS(1, 2, 3, 4));
    ow_node(&m, "Pad", "x,pads,,axes", "y", OW_END);
    init_ints(&m, "pads", 4, INTS(2, 1, 0, 3));
    init_ints(&m, "axes", 2, INTS(-1, 2));
    ow_end(&m, "y");
    gradcheck("pad with axes (opset 18)", &m);

    ow_begin(&m, 13, DIMS(1, 3, 4, 5));
    ow_node(&m, "GlobalAveragePool", "x", "p", OW_END);
    ow_node(&m, "Squeeze", "p,sq", "s", OW_END);
    ow_node(&m, "Unsqueeze", "s,un", "u", OW_END);
    ow_node(&m, "Cast", "u", "y", OW_INT("to", 1), OW_END);
    init_ints(&m, "sq", 2, INTS(2, 3));
    init_ints(&m, "un", 1, INTS(-1));
    ow_end(&m, "y");
    gradcheck("squeeze, unsqueeze, cast (opset 13)", &m);
    ow_begin(&m, 11, DIMS(1, 3, 4, 5));
    ow_node(&m, "GlobalAveragePool", "x", "p", OW_END);
    ow_node(&m, "Squeeze", "p", "s", OW_END);
    ow_node(&m, "Unsqueeze", "s", "y", OW_INTS("axes", 2, 1, 3), OW_END);
    ow_end(&m, "y");
    gradcheck("squeeze all, unsqueeze attribute (opset 11)", &m);
}

/* The shape arithmetic exporters emit, folded at load: x.view(x.size(0), -1), and
 * channel_shuffle's x.size() with channels // groups. */
static void folding_cases(void) {
    ow_model m;
    ow_begin(&m, 13, DIMS(1, 2, 3, 4));
    ow_node(&m, "Shape", "x", "shape", OW_END);
    ow_node(&m, "Gather", "shape,zero", "n", OW_INT("axis", 0), OW_END);
    ow_node(&m, "Unsqueeze", "n,axes0", "n1", OW_END);
    ow_node(&m, "Concat", "n1,minus1", "target", OW_INT("axis", 0), OW_END);
    ow_node(&m, "Reshape", "x,target", "f", OW_END);
    ow_node(&m, "Gemm", "f,B", "y", OW_INT("transB", 1), OW_END);
    init_ints(&m, "zero", 0, INTS(0));
    init_ints(&m, "axes0", 1, INTS(0));
    init_ints(&m, "minus1", 1, INTS(-1));
    init_rand(&m, "B", 2, DIMS(5, 24));
    ow_end(&m, "y");
    gradcheck("folded x.view(x.size(0), -1)", &m);

    ow_begin(&m, 11, DIMS(1, 6, 2, 3));
    ow_node(&m, "Shape", "x", "shape", OW_END);
    ow_node(&m, "Gather", "shape,one", "c", OW_END);
    ow_node(&m, "Div", "c,two", "half", OW_END);
    ow_node(&m, "Cast", "half", "half64", OW_INT("to", 7), OW_END);
    ow_node(&m, "Unsqueeze", "half64", "h1", OW_INTS("axes", 1, 0), OW_END);
    ow_node(&m, "Slice", "shape,two1,four", "hw", OW_END);
    ow_node(&m, "Slice", "shape,zero1,one1,zero1", "n", OW_END);
    ow_node(&m, "Concat", "n,two1,h1,hw", "s5", OW_INT("axis", 0), OW_END);
    ow_node(&m, "Reshape", "x,s5", "r", OW_END);
    ow_node(&m, "Transpose", "r", "t", OW_INTS("perm", 5, 0, 2, 1, 3, 4), OW_END);
    ow_node(&m, "ConstantOfShape", "four", "zf", OW_END);
    ow_node(&m, "Cast", "zf", "zeros", OW_INT("to", 7), OW_END);
    ow_node(&m, "Range", "zero,four_s,one", "r4", OW_END);
    ow_node(&m, "Equal", "r4,r4", "all", OW_END);
    ow_node(&m, "Concat", "n,minus1,hw", "base", OW_INT("axis", 0), OW_END);
    ow_node(&m, "Where", "all,base,zeros", "s4", OW_END);
    ow_node(&m, "Reshape", "t,s4", "y", OW_END);  /* (1, 6, 2, 3) again, channels shuffled */
    init_ints(&m, "one", 0, INTS(1));
    init_ints(&m, "two", 0, INTS(2));
    init_ints(&m, "two1", 1, INTS(2));
    init_ints(&m, "zero1", 1, INTS(0));
    init_ints(&m, "one1", 1, INTS(1));
    init_ints(&m, "zero", 0, INTS(0));
    init_ints(&m, "four", 1, INTS(4));
    init_ints(&m, "four_s", 0, INTS(4));
    init_ints(&m, "minus1", 1, INTS(-1));
    ow_end(&m, "y");
    gradcheck("folded channel shuffle shapes: Shape, Gather, Div, Cast, Slice, Concat, ConstantOfShape, Equal, Where, Range", &m);
}

/* ---- forward values against direct evaluation ---------------------------- */
/* Loads the one-image model and returns its scores for pixels p (z = p, preprocessing
 * the identity) in out; 0 on failure. */
static int scores(ow_model *om, const float *p, int c, int h, int w, float *out) {
    gl_model *m;
    gl_status st = gl_model_load(om->buf, om->len, &m);
    CHECK(st == GL_OK, "load: %s", gl_last_error());
    ow_free(om);
    if (st) return 0;
    gl_images x = {p, 1, c, h, w};
    st = gl_predict(m, &x, out, NULL);
    CHECK(st == GL_OK, "predict: %s", gl_last_error());
    gl_model_free(m);
    return st == GL_OK;
}

enum { FC = 5, FH = 3, FW = 4, FN = FC * FH * FW };

/* LRN by its ONNX definition, in double: the window is c - floor((size-1)/2) ..
 * c + ceil((size-1)/2). */
static void lrn_direct(const float *x, int size, double alpha, double beta, double bias, float *y) {
    for (int c = 0; c < FC; c++)
        for (int i = 0; i < FH * FW; i++) {
            double sq = 0;
            for (int k = c - (size - 1) / 2; k <= c + size / 2; k++)
                if (k >= 0 && k < FC) sq += (double)x[k * FH * FW + i] * x[k * FH * FW + i];
            y[c * FH * FW + i] = (float)(x[c * FH * FW + i] * pow(bias + alpha / size * sq, -beta));
        }
}

static void forward_cases(void) {
    float x[FN], want[FN], got[FN];
    for (int k = 0; k < FN; k++) x[k] = check_rand_float(&rng, 0.0f, 1.0f);
    for (int size = 3; size <= 4; size++) {
        CHECK_CONTEXT("lrn size %d forward", size);
        ow_model m;
        ow_begin(&m, 13, DIMS(1, FC, FH, FW));
        ow_node(&m, "LRN", "x", "y", OW_INT("size", size), OW_FLOAT("alpha", 0.9f), OW_FLOAT("beta", 0.6f),
                OW_FLOAT("bias", 1.5f), OW_END);
        ow_end(&m, "y");
        lrn_direct(x, size, 0.9f, 0.6f, 1.5f, want);
        if (scores(&m, x, FC, FH, FW, got)) CHECK_CLOSE_REL(got, want, FN, 1e-6);
    }
    CHECK_CONTEXT("slice with negative steps forward");
    ow_model m;
    ow_begin(&m, 13, DIMS(1, FC, FH, FW));
    ow_node(&m, "Slice", "x,st,en,ax,sp", "y", OW_END);
    init_ints(&m, "st", 2, INTS(-1, 3));
    init_ints(&m, "en", 2, INTS(0, INT64_MIN));
    init_ints(&m, "ax", 2, INTS(1, 3));
    init_ints(&m, "sp", 2, INTS(-3, -2));
    ow_end(&m, "y");
    /* channels 4, 1 (from the last, every third, stopping before 0); columns 3, 1 */
    int n = 0;
    for (int c = FC - 1; c > 0; c -= 3)
        for (int i = 0; i < FH; i++)
            for (int j = FW - 1; j >= 0; j -= 2) want[n++] = x[(c * FH + i) * FW + j];
    if (scores(&m, x, FC, FH, FW, got)) CHECK_CLOSE_REL(got, want, (size_t)n, 0.0);
}

int main(void) {
    conv_cases();
    pointwise_cases();
    pool_cases();
    dense_cases();
    gate_cases();
    binary_cases();
    reduce_cases();
    layout_cases();
    folding_cases();
    forward_cases();
    return check_summary();
}
