/* The engine's contract on bad input, natively under ASan/UBSan/LeakSanitizer:
 * corrupt and truncated models, unsupported operators, external data, absurd
 * dimensions, cycles, wrong image sizes, NaN pixels, out-of-range targets and
 * options: each a clean error with a message that names the problem, and the
 * model (or the next load) works afterwards.
 * Usage: test_engine [fixture.onnx]   (default tests/fixtures/lenet.onnx) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradlens.h"
#include "onnx_writer.h"

#define DIMS(...) ((int64_t[]){__VA_ARGS__})

/* Conv 3x3 (2->3) + Relu + GlobalAveragePool + Flatten: a tiny valid classifier. */
static void tiny_model(ow_model *m) {
    static float w[3 * 2 * 9], b[3] = {0.1f, -0.2f, 0.3f};
    for (int k = 0; k < 54; k++) w[k] = (float)((k * 7) % 11 - 5) / 10.0f;
    ow_begin(m, 13, DIMS(1, 2, 6, 6));
    ow_node(m, "Conv", "x,w,b", "c", OW_INTS("pads", 4, 1, 1, 1, 1), OW_END);
    ow_node(m, "Relu", "c", "r", OW_END);
    ow_node(m, "GlobalAveragePool", "r", "g", OW_END);
    ow_node(m, "Flatten", "g", "y", OW_END);
    ow_init(m, "w", 4, DIMS(3, 2, 3, 3), w, NULL);
    ow_init(m, "b", 1, DIMS(3), b, NULL);
    ow_end(m, "y");
}

/* Loads, and inspects the same bytes: inspection must agree on what loads, and
 * fail only where the bytes are no ONNX model (then loading fails too). */
static gl_status load(const uint8_t *bytes, size_t n, gl_model **m) {
    char *json = NULL;
    gl_status inspected = gl_inspect(bytes, n, &json);
    CHECK(inspected == GL_OK ? json && json[0] == '{' : !json && gl_last_error()[0], "inspection: %s", gl_last_error());
    gl_status st = gl_model_load(bytes, n, m);
    CHECK(st == GL_OK || (*m == NULL && gl_last_error()[0]), "a failed load must leave a message and no model");
    CHECK(!json || !strstr(json, "\"loadable\": true") == (st != GL_OK), "inspection says %s, loading %d (%s)",
          json ? strstr(json, "\"loadable\"") : "", st, gl_last_error());
    CHECK(inspected == GL_OK || st != GL_OK, "loaded what inspection refused");
    free(json);
    return st;
}

static int contains(const char *haystack, const char *needle) { return strstr(haystack, needle) != NULL; }

/* Loads, then checks that a valid call works: the engine is usable. */
static void expect_usable(gl_model *m) {
    int c, h, w;
    gl_model_input_shape(m, &c, &h, &w);
    size_t n = (size_t)c * h * w;
    float *x = calloc(n, sizeof *x), *logits = calloc((size_t)gl_model_num_classes(m), sizeof *logits);
    for (size_t k = 0; k < n; k++) x[k] = (float)(k % 7) / 7.0f;
    gl_images images = {x, 1, c, h, w};
    CHECK(gl_predict(m, &images, logits, NULL) == GL_OK, "a valid predict failed: %s", gl_last_error());
    free(x);
    free(logits);
}

static void truncations_and_flips(const uint8_t *bytes, size_t len, const char *what) {
    CHECK_CONTEXT("%s: truncations", what);
    int failed = 0, loaded = 0;
    size_t step = len > 4000 ? len / 2000 : 1;
    for (size_t cut = 0; cut < len; cut += step) {
        gl_model *m = NULL;
        if (load(bytes, cut, &m)) failed++;
        else loaded++, expect_usable(m), gl_model_free(m);
    }
    CHECK(failed > 0, "no truncation of %s was refused", what);
    CHECK_CONTEXT("%s: mutations", what);
    uint8_t *copy = malloc(len);
    uint64_t rng = 7;
    for (int trial = 0; trial < 1500; trial++) {
        memcpy(copy, bytes, len);
        for (int k = check_rand_int(&rng, 1, 4); k > 0; k--) {
            size_t at = (size_t)check_rand_int(&rng, 0, (int)len - 1);
            copy[at] = trial % 2 ? copy[at] ^ (uint8_t)(1u << check_rand_int(&rng, 0, 7)) : (uint8_t)check_rand_u32(&rng);
        }
        gl_model *m = NULL;
        if (!load(copy, len, &m)) expect_usable(m), gl_model_free(m);
    }
    free(copy);
    printf("%s: %d truncations refused, %d loaded; 1500 mutations survived\n", what, failed, loaded);
}

static void expect_load_error(const char *name, ow_model *om, gl_status code, const char *needle) {
    CHECK_CONTEXT("%s", name);
    gl_model *m = NULL;
    gl_status st = load(om->buf, om->len, &m);
    CHECK(st == code, "status %d, expected %d (%s)", st, code, gl_last_error());
    CHECK(contains(gl_last_error(), needle), "message \"%s\" does not mention \"%s\"", gl_last_error(), needle);
    gl_model_free(m);
    ow_free(om);
}

static void bad_models(void) {
    ow_model m;
    ow_begin(&m, 13, DIMS(1, 1, 4, 4));
    ow_node(&m, "Relu", "x", "a", OW_END);
    ow_node(&m, "Erf", "a", "b", OW_END);
    ow_node(&m, "Sin", "b", "y", OW_END);
    ow_end(&m, "y");
    expect_load_error("unsupported operators", &m, GL_ERR_UNSUPPORTED, "Erf (node 'b'), Sin (node 'y')");

    ow_begin(&m, 13, DIMS(1, 1, 4, 4));
    ow_node(&m, "Add", "x,later", "y", OW_END);
    ow_node(&m, "Relu", "y", "later", OW_END);
    ow_end(&m, "y");
    expect_load_error("cycle", &m, GL_ERR_MODEL, "'later' is not produced by an earlier node");

    ow_begin(&m, 13, DIMS(1, 1, 4, 4));
    ow_node(&m, "Relu", "nowhere", "y", OW_END);
    ow_end(&m, "y");
    expect_load_error("dangling input", &m, GL_ERR_MODEL, "'nowhere'");

    /* An initializer claiming 2^31 x 2^31 elements with 4 bytes of data: refused before allocation. */
    ow_begin(&m, 13, DIMS(1, 1, 4, 4));
    ow_node(&m, "Add", "x,huge", "y", OW_END);
    {
        ow_buf t = {0};
        ow_int(&t, 1, (int64_t)1 << 31);
        ow_int(&t, 1, (int64_t)1 << 31);
        ow_int(&t, 2, 1);
        ow_str(&t, 8, "huge");
        ow_bytes(&t, 9, "abcd", 4);
        ow_sub(&m.graph, 5, &t);
    }
    ow_end(&m, "y");
    expect_load_error("huge dimensions", &m, GL_ERR_MODEL, "huge");

    ow_begin(&m, 13, DIMS(1, 1, 4, 4));
    ow_node(&m, "Add", "x,ext", "y", OW_END);
    {
        ow_buf t = {0};
        ow_int(&t, 1, 1);
        ow_int(&t, 2, 1);
        ow_str(&t, 8, "ext");
        ow_int(&t, 14, 1); /* data_location = EXTERNAL */
        ow_sub(&m.graph, 5, &t);
    }
    ow_end(&m, "y");
    expect_load_error("external data", &m, GL_ERR_UNSUPPORTED, "external data");

    ow_begin(&m, 13, DIMS(1, 2, 6, 6));
    ow_node(&m, "Conv", "x,w", "y", OW_END);
    ow_init(&m, "w", 4, DIMS(3, 5, 3, 3), (float[135]){0}, NULL);
    ow_end(&m, "y");
    expect_load_error("conv weights of the wrong shape", &m, GL_ERR_MODEL, "do not fit 2 input channels");

    ow_begin(&m, 13, DIMS(1, 1, 4, 4));
    ow_node(&m, "Reshape", "x,shape", "y", OW_END);
    ow_init(&m, "shape", 1, DIMS(2), NULL, (int64_t[]){5, -1});
    ow_end(&m, "y");
    expect_load_error("reshape that does not divide", &m, GL_ERR_MODEL, "cannot reshape");

    ow_begin(&m, 13, DIMS(1, 1, 4, 4));
    ow_node(&m, "Softmax", "x", "s", OW_END);
    ow_node(&m, "Relu", "s", "y", OW_END);
    ow_end(&m, "y");
    expect_load_error("softmax in the middle", &m, GL_ERR_UNSUPPORTED, "final layer");

    ow_begin(&m, 23, DIMS(1, 1, 4, 4));
    ow_node(&m, "Relu", "x", "y", OW_END);
    ow_end(&m, "y");
    expect_load_error("opset 23", &m, GL_ERR_UNSUPPORTED, "opset 23");

    CHECK_CONTEXT("not a model");
    gl_model *none = NULL;
    CHECK(load((const uint8_t *)"hello, world", 12, &none) == GL_ERR_MODEL, "text accepted as a model");
    CHECK(contains(gl_last_error(), "not an ONNX model"), "message: %s", gl_last_error());
    CHECK(load(NULL, 0, &none) == GL_ERR_MODEL, "empty bytes accepted");
}

/* One node on the 4-D input x (1,2,4,6) with its output as the score; a second
 * optional int64 initializer "k" of n values (n = 0: a scalar). */
static void one_node(ow_model *m, int opset, const char *op, const char *inputs, ow_attr a, int n, const int64_t *k) {
    ow_begin(m, opset, DIMS(1, 2, 4, 6));
    ow_node(m, op, inputs, "y", a, OW_END);
    if (k) ow_init(m, "k", n ? 1 : 0, n ? DIMS(n) : NULL, NULL, k);
    ow_end(m, "y");
}

/* Per-image semantics need the batch first in every activation: anything moving it
 * is refused, by name, instead of computing something else. */
static void batch_moving(void) {
    ow_model m;
    one_node(&m, 13, "Transpose", "x", OW_INTS("perm", 4, 1, 0, 2, 3), 0, NULL);
    expect_load_error("transpose of the batch", &m, GL_ERR_UNSUPPORTED, "perm[0] = 1 would move the batch dimension of 'x'");
    one_node(&m, 13, "Transpose", "x", OW_END, 0, NULL);
    expect_load_error("transpose, default perm", &m, GL_ERR_UNSUPPORTED, "would move the batch");
    one_node(&m, 13, "Reshape", "x,k", OW_END, 2, (int64_t[]){2, -1});
    expect_load_error("reshape moving the batch", &m, GL_ERR_UNSUPPORTED, "'y' would not keep the batch as its first dimension");
    one_node(&m, 13, "Reshape", "x,k", OW_END, 1, (int64_t[]){-1});
    expect_load_error("reshape to one dimension", &m, GL_ERR_UNSUPPORTED, "would not keep the batch");
    one_node(&m, 13, "Flatten", "x", OW_INT("axis", 0), 0, NULL);
    expect_load_error("flatten axis 0", &m, GL_ERR_UNSUPPORTED, "would merge the batch of 'x'");
    one_node(&m, 9, "Slice", "x", OW_INTS("starts", 1, 0), 0, NULL);
    expect_load_error("slice without ends", &m, GL_ERR_MODEL, "one value per sliced axis");
    ow_begin(&m, 13, DIMS(1, 2, 4, 6));
    ow_node(&m, "Slice", "x,s,e,a", "y", OW_END);
    ow_init(&m, "s", 1, DIMS(1), NULL, (int64_t[]){0});
    ow_init(&m, "e", 1, DIMS(1), NULL, (int64_t[]){1});
    ow_init(&m, "a", 1, DIMS(1), NULL, (int64_t[]){0});
    ow_end(&m, "y");
    expect_load_error("slice of the batch", &m, GL_ERR_UNSUPPORTED, "slicing the batch dimension of 'x'");
    one_node(&m, 13, "Split", "x", OW_INT("axis", 0), 0, NULL);
    expect_load_error("split of the batch", &m, GL_ERR_UNSUPPORTED, "splitting the batch dimension");
    one_node(&m, 13, "ReduceMean", "x", OW_INTS("axes", 2, 0, 1), 0, NULL);
    expect_load_error("mean over the batch", &m, GL_ERR_UNSUPPORTED, "average over the batch");
    one_node(&m, 13, "ReduceMean", "x", OW_INTS("axes", 2, 1, 3), 0, NULL);
    expect_load_error("mean over axes apart", &m, GL_ERR_UNSUPPORTED, "non-contiguous axes");
    one_node(&m, 13, "Unsqueeze", "x,k", OW_END, 1, (int64_t[]){0});
    expect_load_error("unsqueeze before the batch", &m, GL_ERR_UNSUPPORTED, "would move the batch of 'x'");
    one_node(&m, 13, "Squeeze", "x,k", OW_END, 1, (int64_t[]){0});
    expect_load_error("squeeze of the batch", &m, GL_ERR_UNSUPPORTED, "would remove the batch");
    one_node(&m, 13, "Pad", "x,k", OW_END, 8, (int64_t[]){1, 0, 0, 0, 0, 0, 0, 0});
    expect_load_error("pad of the batch", &m, GL_ERR_UNSUPPORTED, "padding the batch dimension");
    one_node(&m, 13, "Pad", "x,k", OW_STRING("mode", "reflect"), 8, (int64_t[]){0, 0, 1, 1, 0, 0, 1, 1});
    expect_load_error("reflect pad", &m, GL_ERR_UNSUPPORTED, "mode 'reflect' is not supported");
    one_node(&m, 13, "Pad", "x,k", OW_END, 8, (int64_t[]){0, 0, -1, 0, 0, 0, 0, 0});
    expect_load_error("negative pad", &m, GL_ERR_UNSUPPORTED, "negative pads");
    one_node(&m, 13, "Gather", "x,k", OW_INT("axis", 1), 0, (int64_t[]){0});
    expect_load_error("gather on an activation", &m, GL_ERR_UNSUPPORTED, "Gather is supported on constants only");
    one_node(&m, 13, "Cast", "x", OW_INT("to", 7), 0, NULL);
    expect_load_error("cast of an activation to int", &m, GL_ERR_UNSUPPORTED, "Cast of an activation to element type 7");

    ow_begin(&m, 13, DIMS(1, 2, 4, 6));   /* shape arithmetic dividing by zero */
    ow_node(&m, "Shape", "x", "s", OW_END);
    ow_node(&m, "Div", "s,zero", "d", OW_END);
    ow_node(&m, "Reshape", "x,d", "y", OW_END);
    ow_init(&m, "zero", 0, NULL, NULL, (int64_t[]){0});
    ow_end(&m, "y");
    expect_load_error("folding a division by zero", &m, GL_ERR_MODEL, "node 'd' (Div): integer division by zero");
    ow_begin(&m, 13, DIMS(1, 2, 4, 6));
    ow_node(&m, "ConstantOfShape", "k", "big", OW_END);
    ow_node(&m, "Add", "x,big", "y", OW_END);
    ow_init(&m, "k", 1, DIMS(3), NULL, (int64_t[]){1 << 12, 1 << 12, 1 << 12});
    ow_end(&m, "y");
    expect_load_error("a huge folded constant", &m, GL_ERR_UNSUPPORTED, "constant 'big' computed at load would have more than 2^24 elements");
}

static void bad_calls(void) {
    CHECK_CONTEXT("bad calls");
    ow_model om;
    tiny_model(&om);
    gl_model *m = NULL;
    if (load(om.buf, om.len, &m)) {
        CHECK(0, "tiny model: %s", gl_last_error());
        return;
    }
    ow_free(&om);
    float x[2 * 36], out[2 * 36], logits[6], map[2 * 36];
    for (int k = 0; k < 72; k++) x[k] = (float)k / 72.0f;
    gl_images good = {x, 1, 2, 6, 6}, wrong = {x, 1, 2, 6, 5}, empty = {x, 0, 2, 6, 6};
    int32_t target = 1, bad_target = 3, its, ok;

    CHECK(gl_predict(m, &wrong, logits, NULL) == GL_ERR_ARGUMENT && contains(gl_last_error(), "2x6x5"),
          "wrong size: %s", gl_last_error());
    CHECK(gl_predict(m, &empty, logits, NULL) == GL_ERR_ARGUMENT, "empty batch accepted");
    x[5] = NAN;
    CHECK(gl_saliency(m, &good, &target, map, NULL) == GL_ERR_ARGUMENT && contains(gl_last_error(), "nan"),
          "NaN pixel: %s", gl_last_error());
    x[5] = 2.0f;
    CHECK(gl_predict(m, &good, logits, NULL) == GL_ERR_ARGUMENT && contains(gl_last_error(), "[0, 1]"),
          "pixel 2.0: %s", gl_last_error());
    x[5] = 0.5f;
    CHECK(gl_saliency(m, &good, &bad_target, map, NULL) == GL_ERR_ARGUMENT && contains(gl_last_error(), "3 classes"),
          "target 3: %s", gl_last_error());
    gl_fool_options o = gl_fool_defaults();
    o.learning_rate = 0;
    CHECK(gl_fool(m, &good, &target, &o, out, &its, &ok, NULL, NULL, NULL) == GL_ERR_ARGUMENT, "lr 0 accepted");
    o = gl_fool_defaults();
    o.max_iterations = -1;
    CHECK(gl_fool(m, &good, &target, &o, out, &its, &ok, NULL, NULL, NULL) == GL_ERR_ARGUMENT, "cap -1 accepted");
    gl_visualize_options v = gl_visualize_defaults(m);
    v.jitter_x = 99;
    CHECK(gl_visualize_class(m, 0, &v, out, NULL) == GL_ERR_ARGUMENT, "jitter 99 accepted");
    float mean = 0, zero = 0;
    CHECK(gl_model_set_preprocess(m, 1.0f, &mean, &zero, 1) == GL_ERR_ARGUMENT, "std 0 accepted");

    /* ... and after all of that, everything works. */
    CHECK(gl_saliency(m, &good, &target, map, NULL) == GL_OK, "saliency after errors: %s", gl_last_error());
    CHECK(gl_fool(m, &good, &target, NULL, out, &its, &ok, logits, NULL, NULL) == GL_OK, "fool: %s", gl_last_error());
    v = gl_visualize_defaults(m);
    v.iterations = 5;
    v.seed = 3;
    float a[72], b[72];
    CHECK(gl_visualize_class(m, 2, &v, a, NULL) == GL_OK && gl_visualize_class(m, 2, &v, b, NULL) == GL_OK,
          "visualize: %s", gl_last_error());
    CHECK(!memcmp(a, b, sizeof a), "visualize with one seed is not deterministic");
    gl_model_free(m);
}

/* Batches larger than a chunk are split: results equal the one-by-one results. */
static void batches(void) {
    CHECK_CONTEXT("batches");
    ow_model om;
    tiny_model(&om);
    gl_model *m = NULL;
    load(om.buf, om.len, &m);
    ow_free(&om);
    enum { N = 37 };
    float *x = malloc(N * 72 * sizeof *x), *all = malloc(N * 3 * sizeof *all), one[3];
    for (int k = 0; k < N * 72; k++) x[k] = (float)((k * 31) % 97) / 97.0f;
    gl_images batch = {x, N, 2, 6, 6};
    CHECK(gl_predict(m, &batch, all, NULL) == GL_OK, "batch of 37: %s", gl_last_error());
    for (int i = 0; i < N; i++) {
        gl_images single = {x + i * 72, 1, 2, 6, 6};
        gl_predict(m, &single, one, NULL);
        CHECK(!memcmp(one, all + i * 3, sizeof one), "image %d differs between batch and single runs", i);
    }
    free(x);
    free(all);
    gl_model_free(m);
}

/* The same weights as raw float32, typed float_data, and float16 bit patterns in
 * int32_data (values exact in float16) give the same model. */
static void typed_fields(void) {
    CHECK_CONTEXT("typed initializer fields");
    static const float w[8] = {0.5f, -1.25f, 2.0f, 0.75f, -0.5f, 1.5f, -2.0f, 0.25f};
    static const int32_t w16[8] = {0x3800, 0xBD00, 0x4000, 0x3A00, 0xB800, 0x3E00, 0xC000, 0x3400};
    float logits[3][2];
    for (int form = 0; form < 3; form++) {
        ow_model m;
        ow_begin(&m, 13, DIMS(1, 4, 2, 2));
        ow_node(&m, "Conv", "x,w", "c", OW_END);
        ow_node(&m, "GlobalAveragePool", "c", "g", OW_END);
        ow_node(&m, "Flatten", "g", "y", OW_END);
        if (form == 0) {
            ow_init(&m, "w", 4, DIMS(2, 4, 1, 1), w, NULL);
        } else {
            ow_buf t = {0};
            for (int d = 0; d < 4; d++) ow_int(&t, 1, DIMS(2, 4, 1, 1)[d]);
            ow_int(&t, 2, form == 1 ? 1 : 10);
            ow_str(&t, 8, "w");
            for (int k = 0; k < 8; k++) {
                if (form == 1) ow_key(&t, 4, 5), ow_raw(&t, &w[k], 4); /* float_data, unpacked */
                else ow_int(&t, 5, w16[k]);                             /* int32_data */
            }
            ow_sub(&m.graph, 5, &t);
        }
        ow_end(&m, "y");
        gl_model *model = NULL;
        CHECK(load(m.buf, m.len, &model) == GL_OK, "form %d: %s", form, gl_last_error());
        ow_free(&m);
        if (!model) return;
        float x[16];
        for (int k = 0; k < 16; k++) x[k] = (float)k / 16.0f;
        gl_images images = {x, 1, 4, 2, 2};
        gl_predict(model, &images, logits[form], NULL);
        gl_model_free(model);
    }
    CHECK(!memcmp(logits[0], logits[1], sizeof logits[0]) && !memcmp(logits[0], logits[2], sizeof logits[0]),
          "raw %g %g, float_data %g %g, float16 %g %g", logits[0][0], logits[0][1], logits[1][0], logits[1][1],
          logits[2][0], logits[2][1]);
}

/* Classifiers that end in a Conv of one channel per class, then ReLU and global average
 * pooling: target-score runs compute the target's channel alone where the Conv runs a
 * GEMM. Their gradients must be exactly those of the full forward (gl_gradient, one-hot
 * weights), whatever the Conv runs: Winograd, one input channel (the depthwise kernel,
 * which has no im2col scratch: a fuzzer found it overrun), pointwise. */
static void class_convs(void) {
    static const struct { int cin, hw, classes, k; } cases[] = {{8, 40, 10, 3}, {1, 12, 5, 3}, {8, 9, 6, 1}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        int cin = cases[t].cin, hw = cases[t].hw, K = cases[t].classes, k = cases[t].k, pad = k / 2;
        CHECK_CONTEXT("class conv %d -> %d classes, %dx%d kernel, %dx%d", cin, K, k, k, hw, hw);
        ow_model om;
        ow_begin(&om, 13, DIMS(1, cin, hw, hw));
        ow_node(&om, "Conv", "x,w", "c", OW_INTS("pads", 4, pad, pad, pad, pad), OW_END);
        ow_node(&om, "Relu", "c", "r", OW_END);
        ow_node(&om, "GlobalAveragePool", "r", "g", OW_END);
        ow_node(&om, "Flatten", "g", "y", OW_END);
        int nw = K * cin * k * k, n = 2, image = cin * hw * hw;
        float *w = malloc(sizeof(float) * (size_t)nw), *x = malloc(sizeof(float) * (size_t)n * image);
        float *grad = malloc(sizeof(float) * (size_t)n * image), *full = malloc(sizeof(float) * (size_t)n * image);
        float *weights = calloc((size_t)n * K, sizeof(float));
        for (int i = 0; i < nw; i++) w[i] = (float)((i * 7919) % 17) / 8.0f - 1.0f;
        for (int i = 0; i < n * image; i++) x[i] = (float)((i * 31) % 23) / 23.0f;
        ow_init(&om, "w", 4, DIMS(K, cin, k, k), w, NULL);
        ow_end(&om, "y");
        gl_model *m = NULL;
        CHECK(load(om.buf, om.len, &m) == GL_OK, "load: %s", gl_last_error());
        ow_free(&om);
        int32_t targets[2] = {1, K - 1};
        for (int i = 0; i < n; i++) weights[i * K + targets[i]] = 1.0f;
        gl_images images = {x, n, cin, hw, hw};
        CHECK(m && gl_saliency(m, &images, targets, NULL, grad) == GL_OK, "saliency: %s", gl_last_error());
        CHECK(m && gl_gradient(m, &images, weights, -1, full, NULL) == GL_OK, "gradient: %s", gl_last_error());
        CHECK(!memcmp(grad, full, sizeof(float) * (size_t)n * image), "the one-channel gradient differs");
        gl_model_free(m);
        free(w), free(x), free(grad), free(full), free(weights);
    }
}

/* Every method runs clean under the sanitizers, names survive loading, and the
 * methods' defining identities hold. */
static void methods(void) {
    CHECK_CONTEXT("methods");
    ow_model om;
    tiny_model(&om);
    gl_model *m = NULL;
    load(om.buf, om.len, &m);
    ow_free(&om);
    enum { N = 2, IMG = 72, PLANE = 36 };
    float x[N * IMG], grad[N * IMG], attr[N * IMG], map[N * PLANE], out[N * IMG], err[N], logits[N * 3], l2[N], linf[N];
    int32_t targets[N] = {0, 2}, ok[N];
    for (int k = 0; k < N * IMG; k++) x[k] = 0.1f + 0.8f * (float)((k * 13) % 29) / 29.0f;
    gl_images images = {x, N, 2, 6, 6};

    int conv = gl_model_find_tensor(m, "c");
    CHECK(conv >= 0 && !strcmp(gl_model_tensor_name(m, conv), "c"), "tensor 'c' not found after load");
    CHECK(gl_model_default_cam_layer(m) == gl_model_find_tensor(m, "r"), "default Grad-CAM layer is not the pooled 'r'");
    float lowres[N * PLANE];
    CHECK(gl_grad_cam(m, &images, targets, -1, map, lowres) == GL_OK, "grad-cam: %s", gl_last_error());
    for (int k = 0; k < N * PLANE; k++) CHECK(map[k] >= 0 && lowres[k] >= 0, "Grad-CAM is a ReLU: %g", map[k]);

    CHECK(gl_saliency(m, &images, targets, NULL, grad) == GL_OK, "saliency: %s", gl_last_error());
    CHECK(gl_gradient_x_input(m, &images, targets, map, attr) == GL_OK, "gxi: %s", gl_last_error());
    for (int k = 0; k < N * IMG; k++) CHECK(attr[k] == x[k] * grad[k], "gradient x input differs at %d", k);

    gl_ig_options ig = gl_ig_defaults(m);
    ig.steps = 256;
    CHECK(gl_integrated_gradients(m, &images, targets, &ig, map, attr, err) == GL_OK, "ig: %s", gl_last_error());
    float s0[N * 3], s1[N * 3], black[N * IMG] = {0};
    gl_images zeros = {black, N, 2, 6, 6};
    gl_predict(m, &images, s1, NULL);
    gl_predict(m, &zeros, s0, NULL);
    for (int i = 0; i < N; i++) {
        float gap = fabsf(s1[i * 3 + targets[i]] - s0[i * 3 + targets[i]]);
        CHECK(err[i] <= 0.01f * gap + 1e-6f, "IG completeness error %g for a score change of %g", err[i], gap);
    }
    ig.baseline = GL_BASELINE_BLURRED;
    CHECK(gl_integrated_gradients(m, &images, targets, &ig, map, attr, err) == GL_OK, "ig blurred: %s", gl_last_error());
    ig.baseline = GL_BASELINE_GIVEN;
    ig.baseline_image = NULL;
    CHECK(gl_integrated_gradients(m, &images, targets, &ig, map, attr, err) == GL_ERR_ARGUMENT, "no baseline image accepted");

    gl_smoothgrad_options sg = gl_smoothgrad_defaults();
    sg.samples = 20;
    CHECK(gl_smoothgrad(m, &images, targets, &sg, map, grad) == GL_OK, "smoothgrad: %s", gl_last_error());
    sg.sigma = 0;
    float plain[N * IMG];
    gl_saliency(m, &images, targets, NULL, plain);
    gl_smoothgrad(m, &images, targets, &sg, map, grad);
    CHECK_CLOSE_REL(grad, plain, N * IMG, 1e-5);   /* no noise: the mean of equal gradients */
    CHECK(gl_guided_backprop(m, &images, targets, map, grad) == GL_OK, "guided: %s", gl_last_error());

    for (int method = GL_ATTACK_FGSM; method <= GL_ATTACK_PGD_L2; method++) {
        gl_attack_options a = gl_attack_defaults((gl_attack_method)method);
        CHECK(gl_attack(m, &images, NULL, NULL, &a, out, ok, logits, l2, linf) == GL_OK, "attack %d: %s", method,
              gl_last_error());
        for (int i = 0; i < N; i++) {
            if (method == GL_ATTACK_PGD_L2) CHECK(l2[i] <= a.epsilon * 1.0001f, "L2 %g beyond epsilon", l2[i]);
            else CHECK(linf[i] <= a.epsilon * 1.0001f, "L-inf %g beyond epsilon", linf[i]);
        }
        for (int k = 0; k < N * IMG; k++) CHECK(out[k] >= 0 && out[k] <= 1, "pixel %d left [0,1]", k);
        CHECK(gl_attack(m, &images, NULL, targets, &a, out, ok, logits, l2, linf) == GL_OK, "targeted: %s", gl_last_error());
    }
    gl_attack_options bad = gl_attack_defaults(GL_ATTACK_PGD_LINF);
    bad.epsilon = -1;
    CHECK(gl_attack(m, &images, NULL, NULL, &bad, out, ok, NULL, NULL, NULL) == GL_ERR_ARGUMENT, "negative epsilon accepted");

    gl_predict(m, &images, s0, NULL);
    CHECK(gl_model_randomize_layer(m, -1, 5) == GL_OK, "randomize: %s", gl_last_error());
    gl_predict(m, &images, s1, NULL);
    CHECK(memcmp(s0, s1, sizeof s0), "randomizing the classifier changed nothing");
    CHECK(gl_model_randomize_layer(m, gl_model_find_tensor(m, "r"), 5) == GL_ERR_ARGUMENT, "a ReLU has no weights");
    gl_model_free(m);
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*len);
    if (fread(p, 1, *len, f) != *len) *len = 0;
    fclose(f);
    return p;
}

int main(int argc, char **argv) {
    const char *fixture = argc > 1 ? argv[1] : "tests/fixtures/lenet.onnx";
    ow_model om;
    tiny_model(&om);
    truncations_and_flips(om.buf, om.len, "tiny model");
    ow_free(&om);
    size_t len = 0;
    uint8_t *bytes = read_file(fixture, &len);
    CHECK(bytes && len, "cannot read %s", fixture);
    if (bytes && len) truncations_and_flips(bytes, len, fixture);
    free(bytes);
    bad_models();
    batch_moving();
    bad_calls();
    batches();
    typed_fields();
    methods();
    class_convs();
    return check_summary();
}
