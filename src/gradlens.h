/* gradlens: what an image classifier looks at, and how easily it is fooled.
 *
 * A C engine (compiled to WebAssembly, also native) that reads an ONNX CNN
 * classifier, runs it forward, and back-propagates any weighting of its class
 * scores down to the input pixels. On that it builds the methods of Simonyan,
 * Vedaldi & Zisserman 2014 ("Deep Inside Convolutional Networks"), as taught in
 * Stanford cs231n:
 *
 *   - class saliency: |d S_y / d pixels|, max over channels (S_y = the
 *     unnormalized score, i.e. the logit that feeds a final Softmax);
 *   - fooling images: normalized gradient ascent on S_target until the argmax
 *     flips, with an iteration cap;
 *   - class model visualization: ascent on S_y - l2 * ||z||^2 from noise, with
 *     jitter, blur and clamping.
 *
 * Tutorial:
 *
 *     gl_model *m;
 *     if (gl_model_load(onnx_bytes, n, &m)) { puts(gl_last_error()); return; }
 *     float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
 *     gl_model_set_preprocess(m, 1.0f, mean, std, 3);   // the model card's numbers
 *     gl_images x = {pixels, 1, 3, 224, 224};            // NCHW, values in [0,1]
 *     int target = 285;
 *     gl_saliency(m, &x, &target, map, grad);            // map (1,224,224), grad (1,3,224,224)
 *     gl_model_free(m);
 *
 * All images are pixels in [0,1], NCHW, in the model card's channel order; the
 * engine applies the card's preprocessing (p * scale - mean) / std as the first
 * layer, so every gradient and every adversarial image lives in pixel space.
 * Every function returns GL_OK or an error code with gl_last_error() naming the
 * problem; the model stays usable after any error. Not thread-safe: one model,
 * one caller at a time. */
#ifndef GRADLENS_H
#define GRADLENS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    GL_OK = 0,
    GL_ERR_ARGUMENT = 1,      /* a bad argument: image size, NaN pixel, class id ... */
    GL_ERR_MODEL = 2,         /* the model bytes are corrupt or inconsistent */
    GL_ERR_UNSUPPORTED = 3,   /* a valid model using something the engine lacks */
    GL_ERR_OUT_OF_MEMORY = 4,
    GL_ERR_CANCELLED = 5      /* a progress callback asked to stop */
} gl_status;

const char *gl_last_error(void);

typedef struct gl_model gl_model;

/* A batch of images: data (n, c, h, w), pixels in [0,1]. */
typedef struct {
    const float *data;
    int n, c, h, w;
} gl_images;

/* Called once per iteration of the iterative methods with one value per image
 * (fool: the target's softmax probability; visualize: the target's score).
 * Returning nonzero cancels the run with GL_ERR_CANCELLED. */
typedef int (*gl_progress_fn)(void *user, int iteration, const float *values, int n);

/* ---- models -------------------------------------------------------------- */
gl_status gl_model_load(const uint8_t *onnx, size_t n, gl_model **out);
void gl_model_free(gl_model *m);
/* The model card's preprocessing; n = 1 (broadcast) or the channel count. The
 * default after loading is scale 1, mean 0, std 1 (pixels go in unchanged). */
gl_status gl_model_set_preprocess(gl_model *m, float scale, const float *mean, const float *std, int n);
/* The input shape per image (c, h, w) and the number of classes. */
void gl_model_input_shape(const gl_model *m, int *c, int *h, int *w);
int gl_model_num_classes(const gl_model *m);
/* A tensor by the name of the node output it is (for gradients at a layer);
 * -1 when absent. gl_model_tensor_shape gives its per-image shape. */
int gl_model_find_tensor(const gl_model *m, const char *name);
int gl_model_tensor_shape(const gl_model *m, int tensor, int *dims, int max_dims);

/* ---- forward and backward ------------------------------------------------ */
/* logits (n, classes): the unnormalized scores; probs (n, classes): their softmax.
 * Either may be NULL. */
gl_status gl_predict(gl_model *m, const gl_images *x, float *logits, float *probs);
/* The gradient of sum_{i,k} weights[i,k] * logits[i,k] with respect to the pixels
 * (tensor = -1; grad (n,c,h,w)) or to a named tensor (grad (n, tensor's shape)).
 * value, when not NULL, receives that tensor's forward value (same shape). */
gl_status gl_gradient(gl_model *m, const gl_images *x, const float *weights, int tensor,
                      float *grad, float *value);

/* ---- methods ------------------------------------------------------------- */
/* Simonyan et al. 2014 section 3.1: map (n,h,w) = max_c |d S_target / d pixel|;
 * grad (n,c,h,w) the raw gradient. Either may be NULL. One target per image. */
gl_status gl_saliency(gl_model *m, const gl_images *x, const int32_t *targets, float *map, float *grad);

typedef struct {
    float learning_rate;          /* step = learning_rate * g / ||g||_2; default 1 */
    int max_iterations;           /* hard cap; default 100 */
    gl_progress_fn progress;
    void *user;
} gl_fool_options;
gl_fool_options gl_fool_defaults(void);

/* The cs231n fooling rule, per image: until argmax == target or the cap,
 * x += lr * g / ||g||_2 with g = d S_target / d x, then clamp to [0,1].
 * out (n,c,h,w) the fooling images; iterations, success (n); logits (n, classes)
 * of the final images; l2, linf (n) of out - x. Any output but out may be NULL. */
gl_status gl_fool(gl_model *m, const gl_images *x, const int32_t *targets, const gl_fool_options *o,
                  float *out, int32_t *iterations, int32_t *success, float *logits, float *l2, float *linf);

typedef struct {
    int iterations;               /* default 100 */
    float l2_reg;                 /* default 1e-3, on the network-space image z */
    float learning_rate;          /* default 25 at 3x224x224, scaled by sqrt(c*h*w / 150528) */
    int blur_every;               /* default 10 (0 = never) */
    float blur_sigma;             /* default 0.5 */
    int jitter_x, jitter_y;       /* default 16 at 224 px, scaled to the input size */
    uint64_t seed;                /* noise and jitter; default 0 */
    const float *init;            /* (1,c,h,w) start image instead of seeded noise, or NULL */
    gl_progress_fn progress;
    void *user;
} gl_visualize_options;
gl_visualize_options gl_visualize_defaults(const gl_model *m);

/* Simonyan et al. 2014 section 2 as in cs231n: out (1,c,h,w) maximizes
 * S_target - l2_reg * ||z||^2 (z the network input) from seeded noise, with random
 * jitter, a Gaussian blur every blur_every iterations and clamping to [0,1].
 * logits (classes) of the result, may be NULL. */
gl_status gl_visualize_class(gl_model *m, int32_t target, const gl_visualize_options *o, float *out,
                             float *logits);

#endif
