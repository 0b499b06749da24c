/* What the fuzz targets do with bytes that load as a model: the engine's contract
 * on any input, checked with abort() so libFuzzer (and the replay binary) report
 * a violation like a crash:
 *
 *   - a failed load leaves no model and a message;
 *   - gl_inspect (when the engine has it) gives a JSON object or an error, and its
 *     "loadable" agrees with gl_model_load;
 *   - a model that loads runs predict and saliency (and one more method picked by
 *     the input's hash) on a small valid image; every call returns GL_OK or an
 *     error with a message, and never touches memory it does not own (ASan).
 *
 * Methods run only when the model's planned working memory is modest (the
 * engine legitimately needs gigabytes for a model that asks for gigabytes of
 * activations, and under ASan a large network costs a second per input); the
 * check reads the plan the engine computed, so a plan whose size arithmetic
 * wrapped around (the i386 build, where size_t is 32-bit like wasm32's) still
 * runs and ASan sees the overrun. Header only: included by one fuzz target each. */
#ifndef GL_FUZZ_HARNESS_H
#define GL_FUZZ_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradlens.h"
#include "model.h"

/* Activation floats per image (values and gradients) above which a model is only
 * loaded, and up to which it runs every method (between: predict and saliency):
 * a budget of time per input, not of correctness. */
#define FUZZ_RUN_FLOATS ((uint64_t)1 << 17)
#define FUZZ_FULL_FLOATS ((uint64_t)1 << 15)

static void fuzz_require(int ok, const char *what) {
    if (ok) return;
    fprintf(stderr, "contract violated: %s (last error: \"%s\")\n", what, gl_last_error());
    abort();
}

/* An engine call's status: OK, or a known error code with a message. */
static void fuzz_status(gl_status st, const char *call) {
    if (st == GL_OK) return;
    if (st < GL_ERR_ARGUMENT || st > GL_ERR_CANCELLED || !gl_last_error()[0]) {
        fprintf(stderr, "%s: status %d without a message\n", call, (int)st);
        abort();
    }
}

static uint64_t fuzz_hash(const uint8_t *data, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t k = 0; k < n; k++) h = (h ^ data[k]) * 1099511628211ull;
    return h;
}

static int fuzz_cancel_at_1(void *user, int iteration, const float *values, int n) {
    (void)user, (void)values, (void)n;
    return iteration >= 1;
}

/* Runs predict, saliency and one method picked by `pick` on a model that loaded. */
static void fuzz_exercise(gl_model *m, uint64_t pick) {
    int c = 0, h = 0, w = 0;
    gl_model_input_shape(m, &c, &h, &w);
    int K = gl_model_num_classes(m);
    fuzz_require(c >= 1 && h >= 1 && w >= 1 && K >= 1, "a loaded model has a positive input shape and classes");
    uint64_t image = (uint64_t)c * h * w;
    uint64_t plan = (uint64_t)m->g.plan_floats + (uint64_t)K + image;
    if (plan > FUZZ_RUN_FLOATS || m->g.scratch_floats > FUZZ_RUN_FLOATS * 8) return;
    int full = plan <= FUZZ_FULL_FLOATS;

    int n = full ? 1 + (int)(pick & 1) : 1;   /* one image or a batch of two */
    pick >>= 1;
    size_t total = (size_t)n * image;
    float *x = malloc(total * sizeof *x), *grad = malloc(total * sizeof *grad), *out = malloc(total * sizeof *out);
    float *map = malloc((size_t)n * h * w * sizeof *map), *logits = malloc((size_t)n * K * sizeof *logits);
    float *probs = malloc((size_t)n * K * sizeof *probs), small[8];
    int32_t targets[2], ints[2], ok[2];
    fuzz_require(x && grad && out && map && logits && probs, "the harness's own allocations");
    for (size_t k = 0; k < total; k++) x[k] = (float)((k * 2654435761u + (uint32_t)pick) >> 8 & 0xffff) / 65535.0f;
    for (int i = 0; i < n; i++) targets[i] = (int32_t)((pick >> (8 * i)) % (uint64_t)K);
    pick >>= 16;
    gl_images images = {x, n, c, h, w};

    fuzz_status(gl_predict(m, &images, logits, probs), "gl_predict");
    fuzz_status(gl_saliency(m, &images, targets, map, grad), "gl_saliency");

    switch (full ? pick % 8 : 8) {
    case 8:
        break;
    case 0: { /* Grad-CAM at the default layer */
        int layer = gl_model_default_cam_layer(m), dims[GL_MAX_DIMS];
        if (layer < 0) break;
        int nd = gl_model_tensor_shape(m, layer, dims, GL_MAX_DIMS);
        uint64_t lowres = nd == 4 ? (uint64_t)dims[2] * dims[3] : 0;
        if (!lowres || lowres > (1u << 20)) break;
        float *low = malloc((size_t)(n * lowres) * sizeof *low);
        fuzz_status(gl_grad_cam(m, &images, targets, layer, map, low), "gl_grad_cam");
        free(low);
        break;
    }
    case 1: { /* the gradient at some activation, by id */
        int t = (int)((pick >> 3) % 64), dims[GL_MAX_DIMS];
        int nd = gl_model_tensor_shape(m, t, dims, GL_MAX_DIMS);
        uint64_t per = 1;
        for (int d = 0; d < nd; d++) per *= (uint64_t)(dims[d] > 0 ? dims[d] : 1);
        if (per > (1u << 20)) break;
        float *g = malloc((size_t)(n * per) * sizeof *g), *v = malloc((size_t)(n * per) * sizeof *v);
        float *weights = calloc((size_t)n * K, sizeof *weights);
        weights[targets[0]] = 1.0f;
        fuzz_status(gl_gradient(m, &images, weights, t, g, v), "gl_gradient");
        free(g), free(v), free(weights);
        break;
    }
    case 2: {
        gl_fool_options o = gl_fool_defaults();
        o.max_iterations = 2;
        fuzz_status(gl_fool(m, &images, targets, &o, out, ints, ok, logits, small, small + 2), "gl_fool");
        break;
    }
    case 3: {
        gl_visualize_options o = gl_visualize_defaults(m);
        o.iterations = 2;
        o.blur_every = 1;
        o.progress = fuzz_cancel_at_1;
        fuzz_status(gl_visualize_class(m, targets[0], &o, out, logits), "gl_visualize_class");
        break;
    }
    case 4: {
        gl_smoothgrad_options o = gl_smoothgrad_defaults();
        o.samples = 2;
        fuzz_status(gl_smoothgrad(m, &images, targets, &o, map, grad), "gl_smoothgrad");
        break;
    }
    case 5: {
        gl_ig_options o = gl_ig_defaults(m);
        o.steps = 2;
        o.baseline = (pick >> 3) & 1 ? GL_BASELINE_BLURRED : GL_BASELINE_BLACK;
        fuzz_status(gl_integrated_gradients(m, &images, targets, &o, map, out, small), "gl_integrated_gradients");
        break;
    }
    case 6: {
        gl_attack_options o = gl_attack_defaults((gl_attack_method)((pick >> 3) % 3));
        o.steps = 2;
        fuzz_status(gl_attack(m, &images, NULL, (pick >> 5) & 1 ? targets : NULL, &o, out, ok, logits, small,
                              small + 2), "gl_attack");
        break;
    }
    default:
        fuzz_status(gl_guided_backprop(m, &images, targets, map, grad), "gl_guided_backprop");
        fuzz_status(gl_model_randomize_layer(m, -1, pick), "gl_model_randomize_layer");
        fuzz_status(gl_predict(m, &images, logits, NULL), "gl_predict after randomizing");
        break;
    }
    free(x), free(grad), free(out), free(map), free(logits), free(probs);
}

/* gl_inspect (a model's summary as JSON), when the engine has it: weak, so the
 * harness also builds against engines without it. */
gl_status gl_inspect(const uint8_t *onnx, size_t n, char **json) __attribute__((weak));

/* The summary of the bytes; returns 1 / 0 for its "loadable", -1 when it refused
 * them (or the engine has no gl_inspect). */
static int fuzz_inspect(const uint8_t *data, size_t size, gl_status *status) {
    *status = GL_OK;
    if (!gl_inspect) return -1;
    char *json = (char *)1;
    *status = gl_inspect(data, size, &json);
    if (*status != GL_OK) {
        fuzz_status(*status, "gl_inspect");
        fuzz_require(json == NULL, "a failed gl_inspect leaves no JSON");
        return -1;
    }
    size_t len = json ? strlen(json) : 0;
    fuzz_require(len >= 2 && json[0] == '{' && json[len - 1] == '}', "gl_inspect gives a JSON object");
    int loadable = strstr(json, "\"loadable\": true") != NULL;
    fuzz_require(loadable || strstr(json, "\"loadable\": false"), "gl_inspect says whether the model loads");
    free(json);
    return loadable;
}

/* Inspects the bytes, loads them; when they load, exercises the model, then frees
 * it. gl_inspect must agree with gl_model_load about loading (out of memory
 * excepted: inspect does not plan the run memory). */
static void fuzz_load_and_run(const uint8_t *data, size_t size) {
    gl_status inspect_status;
    int loadable = fuzz_inspect(data, size, &inspect_status);
    gl_model *m = (gl_model *)1;
    gl_status st = gl_model_load(data, size, &m);
    if (loadable == 1) fuzz_require(st == GL_OK || st == GL_ERR_OUT_OF_MEMORY, "gl_inspect says loadable, gl_model_load refuses");
    if (loadable == 0) fuzz_require(st != GL_OK, "gl_inspect says not loadable, gl_model_load accepts");
    if (gl_inspect && inspect_status != GL_OK && inspect_status != GL_ERR_OUT_OF_MEMORY)
        fuzz_require(st != GL_OK, "gl_inspect refuses bytes gl_model_load accepts");
    if (st != GL_OK) {
        fuzz_require(m == NULL, "a failed load leaves no model");
        fuzz_status(st, "gl_model_load");
        return;
    }
    fuzz_require(m != NULL, "a successful load returns a model");
    fuzz_exercise(m, fuzz_hash(data, size));
    gl_model_free(m);
}

#endif
