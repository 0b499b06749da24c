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
/* A summary of an ONNX model that, unlike gl_model_load, does not stop at the first
 * unsupported operator: *json receives a NUL-terminated JSON object (release it with
 * free()):
 *   irVersion, opset, producer;
 *   inputs, outputs: [{name, type ("float32" ...), shape}], shape null when not given,
 *     a dimension null when symbolic (the batch of a dynamic export);
 *   nodes, operators ({op_type: count}, in order of first use);
 *   parameters: the values of float initializers and Constant tensors;
 *   flops: 2 x the multiply-adds of the Conv, Gemm and MatMul nodes whose shapes could
 *     be inferred, per image: the supported part of the model;
 *   unsupported: [{op, node}] for operators the engine lacks ("domain::op" outside
 *     the default domain);
 *   errors: [{op, node, message}] for nodes of supported operators the engine cannot
 *     build as used, and problems of the model as a whole (op and node null);
 *   skipped: how many nodes depend on an unsupported or failed one;
 *   loadable: whether gl_model_load accepts the model.
 * Fails only on bytes that are not an ONNX model (GL_ERR_MODEL, GL_ERR_UNSUPPORTED for
 * an opset out of range or external data) and on memory. */
gl_status gl_inspect(const uint8_t *onnx, size_t n, char **json);
void gl_model_free(gl_model *m);

/* Profiling, for benchmarks: gl_model_profile(m, 1) zeroes and starts per-node
 * timers, 0 stops them; gl_model_node_profile reads node k (0 <= k <
 * gl_model_node_count) with its times summed over every run since profiling began.
 * The names live as long as the model. */
typedef struct {
    double forward_ms, backward_ms;
    int64_t forward_images, backward_images;
} gl_node_time;
typedef struct {
    const char *name, *op;   /* the ONNX node's name and operator */
    const char *algorithm;   /* how it runs when the operator has several ways (a Conv: "winograd",
                                "im2col+gemm", "pointwise gemm", "depthwise"), else "" */
    int active;              /* runs with the scores (not: folded away, unused, or a view like Flatten) */
    double flops;            /* per image: 2 x the multiply-adds of a Conv, Gemm or MatMul */
    int input_dims[4];       /* the first input's shape per image, up to 4 dimensions, zeros after */
    int weight_dims[4];      /* the shape of a constant second input (a Conv's (cout, cin/group,
                                kh, kw)), up to 4 dimensions; zeros when there is none */
    gl_node_time time;
} gl_node_profile;
gl_status gl_model_profile(gl_model *m, int enable);
int gl_model_node_count(const gl_model *m);
gl_status gl_model_node_profile(const gl_model *m, int k, gl_node_profile *out);
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
const char *gl_model_tensor_name(const gl_model *m, int tensor);

/* Sanity checks (Adebayo et al. 2018): redraws the weights of the layer that
 * computes `tensor` (-1: the classifier, the last layer with weights before the
 * scores) from a normal distribution with their current mean and spread, seeded.
 * Explanations that do not change are not explaining the model. Irreversible:
 * reload the model to undo. */
gl_status gl_model_randomize_layer(gl_model *m, int tensor, uint64_t seed);

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

/* SmoothGrad (Smilkov et al. 2017): grad (n,c,h,w) = the mean over `samples`
 * noisy copies x + N(0, sigma^2) (sigma a fraction of the [0,1] pixel range) of
 * the target gradient, or of its square; map (n,h,w) = max_c |grad|. */
typedef struct {
    int samples;                  /* default 25 */
    float sigma;                  /* default 0.15 */
    int squared;                  /* average g^2 (SmoothGrad-squared); default 0 */
    uint64_t seed;                /* default 0 */
} gl_smoothgrad_options;
gl_smoothgrad_options gl_smoothgrad_defaults(void);
gl_status gl_smoothgrad(gl_model *m, const gl_images *x, const int32_t *targets, const gl_smoothgrad_options *o,
                        float *map, float *grad);

/* Integrated Gradients (Sundararajan et al. 2017): attr (n,c,h,w) = (x - b) *
 * the mean target gradient along the straight path from the baseline b to x
 * (trapezoidal rule, steps + 1 points); map (n,h,w) = sum over channels (signed);
 * error (n) = |sum(attr) - (S(x) - S(b))|, the completeness gap. */
typedef enum { GL_BASELINE_BLACK = 0, GL_BASELINE_BLURRED = 1, GL_BASELINE_GIVEN = 2 } gl_baseline;
typedef struct {
    int steps;                    /* default 32 */
    gl_baseline baseline;         /* default black */
    float blur_sigma;             /* the blurred baseline's sigma; default max(h, w) / 16 */
    const float *baseline_image;  /* (n,c,h,w) for GL_BASELINE_GIVEN */
} gl_ig_options;
gl_ig_options gl_ig_defaults(const gl_model *m);
gl_status gl_integrated_gradients(gl_model *m, const gl_images *x, const int32_t *targets, const gl_ig_options *o,
                                  float *map, float *attr, float *error);

/* Gradient x Input: attr (n,c,h,w) = x * d S_target / d x; map = sum over channels. */
gl_status gl_gradient_x_input(gl_model *m, const gl_images *x, const int32_t *targets, float *map, float *attr);

/* Guided Backpropagation (Springenberg et al. 2015): ReLU units (Relu, and Clip
 * from 0 such as ReLU6) pass only positive gradients through positive inputs;
 * grad (n,c,h,w); map (n,h,w) = max_c |grad|. */
gl_status gl_guided_backprop(gl_model *m, const gl_images *x, const int32_t *targets, float *map, float *grad);

/* Grad-CAM (Selvaraju et al. 2017) at the 4-D activation `tensor` (C',h',w'),
 * -1 for the default (gl_model_default_cam_layer): lowres (n,h',w') =
 * ReLU(sum_c mean(dS/dA_c) A_c), map (n,h,w) its bilinear upsampling. Either may
 * be NULL. */
gl_status gl_grad_cam(gl_model *m, const gl_images *x, const int32_t *targets, int tensor, float *map, float *lowres);
/* The last 4-D activation before a global average pooling, else the last 4-D
 * activation with more than one pixel; -1 when there is none. */
int gl_model_default_cam_layer(const gl_model *m);

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

/* FGSM (Goodfellow et al. 2015) and PGD (Madry et al. 2018) on the cross-entropy
 * of the scores, in pixel space, clamped to [0,1]. targets NULL: untargeted,
 * away from labels (or, when labels is NULL too, from the model's own
 * predictions); else towards the targets. out (n,c,h,w); success (n); logits
 * (n, classes) of out; l2, linf (n) of out - x. Outputs but out may be NULL. */
typedef enum { GL_ATTACK_FGSM = 0, GL_ATTACK_PGD_LINF = 1, GL_ATTACK_PGD_L2 = 2 } gl_attack_method;
typedef struct {
    gl_attack_method method;
    float epsilon;                /* ball radius; default 8/255 (L-inf, FGSM), 1.0 (L2) */
    float step;                   /* PGD step; default epsilon / 4 */
    int steps;                    /* PGD; default 10 */
    int random_start;             /* PGD: from a random point of the ball; default 1 */
    uint64_t seed;                /* the random start; default 0 */
    gl_progress_fn progress;      /* per step: probability of the label or target */
    void *user;
} gl_attack_options;
gl_attack_options gl_attack_defaults(gl_attack_method method);
gl_status gl_attack(gl_model *m, const gl_images *x, const int32_t *labels, const int32_t *targets,
                    const gl_attack_options *o, float *out, int32_t *success, float *logits, float *l2, float *linf);

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
