/* Finite-difference gradient checks, one small graph per operator form
 * (ggml-style): the engine's backward pass of sum(w * scores) against central
 * differences of its own forward pass, along random directions. Native build,
 * under AddressSanitizer and UBSan. */
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

int main(void) {
    conv_cases();
    pointwise_cases();
    pool_cases();
    dense_cases();
    return check_summary();
}
