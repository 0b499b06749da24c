/* The WebAssembly exports: flat-argument wrappers over gradlens.h that JS calls
 * with pointers into the module's memory. Progress reaches JS through one
 * imported function; its return value cancels. */
#include <stdlib.h>

#include "gradlens.h"
#include "parallel.h"

#define EXPORT __attribute__((visibility("default"), used))

__attribute__((import_module("env"), import_name("gl_js_progress"))) int gl_js_progress(int iteration,
                                                                                          const float *values, int n);

static int progress_to_js(void *user, int iteration, const float *values, int n) {
    (void)user;
    return gl_js_progress(iteration, values, n);
}

EXPORT const char *glw_last_error(void) { return gl_last_error(); }

EXPORT gl_model *glw_load(const uint8_t *bytes, size_t n, int32_t *status) {
    gl_model *m = NULL;
    *status = gl_model_load(bytes, n, &m);
    return m;
}

EXPORT void glw_free(gl_model *m) { gl_model_free(m); }

/* *json: the summary (release with glw_free_buffer) */
EXPORT int glw_inspect(const uint8_t *bytes, size_t n, char **json) { return gl_inspect(bytes, n, json); }

EXPORT int glw_set_preprocess(gl_model *m, float scale, const float *mean, const float *std, int n) {
    return gl_model_set_preprocess(m, scale, mean, std, n);
}

/* info: c, h, w, classes */
EXPORT void glw_info(const gl_model *m, int32_t *info) {
    gl_model_input_shape(m, &info[0], &info[1], &info[2]);
    info[3] = gl_model_num_classes(m);
}

EXPORT int glw_find_tensor(const gl_model *m, const char *name) { return gl_model_find_tensor(m, name); }

EXPORT const char *glw_tensor_name(const gl_model *m, int tensor) { return gl_model_tensor_name(m, tensor); }

EXPORT int glw_tensor_shape(const gl_model *m, int tensor, int32_t *dims, int max_dims) {
    return gl_model_tensor_shape(m, tensor, dims, max_dims);
}

#define IMAGES(x, n, c, h, w) gl_images images = {x, n, c, h, w}

EXPORT int glw_predict(gl_model *m, const float *x, int n, int c, int h, int w, float *logits, float *probs) {
    IMAGES(x, n, c, h, w);
    return gl_predict(m, &images, logits, probs);
}

EXPORT int glw_gradient(gl_model *m, const float *x, int n, int c, int h, int w, const float *weights, int tensor,
                        float *grad, float *value) {
    IMAGES(x, n, c, h, w);
    return gl_gradient(m, &images, weights, tensor, grad, value);
}

EXPORT int glw_saliency(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *targets, float *map,
                        float *grad) {
    IMAGES(x, n, c, h, w);
    return gl_saliency(m, &images, targets, map, grad);
}

/* The seeds arrive as two 32-bit halves: JS numbers cannot carry 64 bits. */
static uint64_t seed64(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

EXPORT int glw_smoothgrad(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *targets, int samples,
                          float sigma, int squared, uint32_t seed_lo, uint32_t seed_hi, float *map, float *grad) {
    IMAGES(x, n, c, h, w);
    gl_smoothgrad_options o = {samples, sigma, squared, seed64(seed_lo, seed_hi)};
    return gl_smoothgrad(m, &images, targets, &o, map, grad);
}

/* baseline: 0 black, 1 blurred (blur_sigma <= 0: the default), 2 given */
EXPORT int glw_integrated_gradients(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *targets,
                                    int steps, int baseline, float blur_sigma, const float *baseline_image, float *map,
                                    float *attr, float *error) {
    IMAGES(x, n, c, h, w);
    gl_ig_options o = gl_ig_defaults(m);
    o.steps = steps;
    o.baseline = (gl_baseline)baseline;
    if (blur_sigma > 0) o.blur_sigma = blur_sigma;
    o.baseline_image = baseline_image;
    return gl_integrated_gradients(m, &images, targets, &o, map, attr, error);
}

EXPORT int glw_gradient_x_input(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *targets,
                                float *map, float *attr) {
    IMAGES(x, n, c, h, w);
    return gl_gradient_x_input(m, &images, targets, map, attr);
}

EXPORT int glw_guided_backprop(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *targets,
                               float *map, float *grad) {
    IMAGES(x, n, c, h, w);
    return gl_guided_backprop(m, &images, targets, map, grad);
}

EXPORT int glw_default_cam_layer(const gl_model *m) { return gl_model_default_cam_layer(m); }

EXPORT int glw_grad_cam(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *targets, int tensor,
                        float *map, float *lowres) {
    IMAGES(x, n, c, h, w);
    return gl_grad_cam(m, &images, targets, tensor, map, lowres);
}

EXPORT int glw_randomize_layer(gl_model *m, int tensor, uint32_t seed_lo, uint32_t seed_hi) {
    return gl_model_randomize_layer(m, tensor, seed64(seed_lo, seed_hi));
}

EXPORT int glw_profile(gl_model *m, int enable) { return gl_model_profile(m, enable); }

EXPORT int glw_node_count(const gl_model *m) { return gl_model_node_count(m); }

/* strings (2): name, op; values (14): active, flops, forward ms, backward ms, forward
 * images, backward images, the 4 input dimensions, the 4 weight dimensions */
EXPORT int glw_node_profile(const gl_model *m, int k, const char **strings, double *values) {
    gl_node_profile p;
    gl_status st = gl_model_node_profile(m, k, &p);
    if (st) return st;
    strings[0] = p.name;
    strings[1] = p.op;
    strings[2] = p.algorithm;
    double v[6] = {p.active, p.flops, p.time.forward_ms, p.time.backward_ms, (double)p.time.forward_images,
                   (double)p.time.backward_images};
    for (int i = 0; i < 6; i++) values[i] = v[i];
    for (int d = 0; d < 4; d++) values[6 + d] = p.input_dims[d], values[10 + d] = p.weight_dims[d];
    return GL_OK;
}

/* labels, targets: NULL when absent (untargeted / the model's own predictions) */
EXPORT int glw_attack(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *labels,
                      const int32_t *targets, int method, float epsilon, float step, int steps, int random_start,
                      uint32_t seed_lo, uint32_t seed_hi, int with_progress, float *out, int32_t *success,
                      float *logits, float *l2, float *linf) {
    IMAGES(x, n, c, h, w);
    gl_attack_options o = {(gl_attack_method)method, epsilon, step, steps, random_start, seed64(seed_lo, seed_hi),
                           with_progress ? progress_to_js : NULL, NULL};
    return gl_attack(m, &images, labels, targets, &o, out, success, logits, l2, linf);
}

EXPORT int glw_fool(gl_model *m, const float *x, int n, int c, int h, int w, const int32_t *targets,
                    float learning_rate, int max_iterations, int with_progress, float *out, int32_t *iterations,
                    int32_t *success, float *logits, float *l2, float *linf) {
    IMAGES(x, n, c, h, w);
    gl_fool_options o = {learning_rate, max_iterations, with_progress ? progress_to_js : NULL, NULL};
    return gl_fool(m, &images, targets, &o, out, iterations, success, logits, l2, linf);
}

static float opt_float(float v, float dflt) { return v == v ? v : dflt; }

/* Clamped before the conversion (out-of-range float-to-int is undefined); the
 * clamped value still fails the engine's range check with a clear message. */
static int opt_int(float v, int dflt) {
    if (v != v) return dflt;
    return v < -1e9f ? -1000000000 : v > 1e9f ? 1000000000 : (int)v;
}

/* opts (floats): iterations, l2_reg, learning_rate, blur_every, blur_sigma, jitter_x, jitter_y;
 * a NaN keeps the default. */
EXPORT int glw_visualize(gl_model *m, int32_t target, const float *opts, uint32_t seed_lo, uint32_t seed_hi,
                         const float *init, int with_progress, float *out, float *logits) {
    gl_visualize_options o = gl_visualize_defaults(m);
    o.iterations = opt_int(opts[0], o.iterations);
    o.l2_reg = opt_float(opts[1], o.l2_reg);
    o.learning_rate = opt_float(opts[2], o.learning_rate);
    o.blur_every = opt_int(opts[3], o.blur_every);
    o.blur_sigma = opt_float(opts[4], o.blur_sigma);
    o.jitter_x = opt_int(opts[5], o.jitter_x);
    o.jitter_y = opt_int(opts[6], o.jitter_y);
    o.seed = seed64(seed_lo, seed_hi);
    o.init = init;
    o.progress = with_progress ? progress_to_js : NULL;
    return gl_visualize_class(m, target, &o, out, logits);
}

EXPORT void *glw_malloc(size_t n) { return malloc(n); }
EXPORT void glw_free_buffer(void *p) { free(p); }

/* Threads for the layers' work, the caller's included: returns how many are now in
 * use (1 in the single-threaded builds; see parallel.h). */
EXPORT int glw_set_threads(int n) { return gl_set_thread_count(n); }
