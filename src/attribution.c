/* Attribution methods beyond the vanilla gradient, all on the target score S_y:
 *
 *   SmoothGrad (Smilkov et al. 2017): the mean gradient (or squared gradient)
 *     over n noisy copies x + N(0, sigma^2); map = max_c |mean|.
 *   Integrated Gradients (Sundararajan et al. 2017): (x - b) * the mean gradient
 *     on the straight path from a baseline b to x (trapezoidal rule over m
 *     steps, m+1 points); map = sum over channels (signed); with the
 *     completeness error |sum(attr) - (S(x) - S(b))|.
 *   Gradient x Input (Shrikumar et al. 2016): x * g; map = sum over channels.
 *   Guided Backpropagation (Springenberg et al. 2015): ReLUs pass only positive
 *     gradients through positive inputs; map = max_c |g|.
 *
 * Points (noisy copies, path points) are built and differentiated in blocks of
 * one chunk, so memory stays bounded whatever n or m. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blur.h"
#include "model.h"
#include "rng.h"
#include "status.h"

gl_smoothgrad_options gl_smoothgrad_defaults(void) {
    gl_smoothgrad_options o = {25, 0.15f, 0, 0};
    return o;
}

gl_ig_options gl_ig_defaults(const gl_model *m) {
    gl_ig_options o = {32, GL_BASELINE_BLACK, (float)(m->g.h > m->g.w ? m->g.h : m->g.w) / 16.0f, NULL};
    return o;
}

/* Makes point k of an image's set (a noisy copy, a path point) into out (c,h,w). */
typedef void (*point_fn)(void *ctx, int k, float *out);

/* acc (c,h,w) = sum_k weight(k) * g_k (or g_k^2 when squared), g_k the target
 * gradient at point k of `count`; scores (count) the target scores, or NULL. */
static gl_status accumulate(gl_model *m, int32_t target, int count, point_fn make, void *ctx,
                            const float *weights, int squared, float *acc, float *scores) {
    size_t image = gl_image_floats(m);
    int block = m->chunk;
    float *points = malloc(2 * (size_t)block * image * sizeof(float)), *grads = points + (size_t)block * image;
    int32_t targets[GL_CHUNK_MAX];
    if (!points) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory for %d points", block);
    for (int j = 0; j < block; j++) targets[j] = target;
    gl_fill(acc, 0.0f, image);
    gl_status st = GL_OK;
    for (int first = 0; first < count && !st; first += block) {
        int n = count - first < block ? count - first : block;
        for (int j = 0; j < n; j++) make(ctx, first + j, points + (size_t)j * image);
        st = gl_target_gradients(m, points, n, targets, 0, grads, scores ? scores + first : NULL);
        for (int j = 0; j < n && !st; j++) {
            float *g = grads + (size_t)j * image;
            if (squared)
                for (size_t p = 0; p < image; p++) g[p] *= g[p];
            gl_axpy_vec(weights ? weights[first + j] : 1.0f / count, g, image, acc);
        }
    }
    free(points);
    return st;
}

/* ---- SmoothGrad ------------------------------------------------------------ */
typedef struct {
    const float *x;   /* (c,h,w) */
    size_t image;
    float sigma;
    gl_rng *rng;
} noise_ctx;

/* Noise is drawn point after point from one seeded stream (each point takes
 * ceil(c*h*w / 2) Box-Muller pairs), so results are reproducible and the
 * fixture script can replay them. Noisy pixels are not clamped (Smilkov et al.). */
static void noisy_copy(void *ctx, int k, float *out) {
    noise_ctx *c = ctx;
    (void)k;
    gl_rng_gaussian(c->rng, out, c->image);
    gl_affine_vec(out, c->sigma, 0.0f, c->image, out);
    gl_add_vec(out, c->x, c->image, out);
}

gl_status gl_smoothgrad(gl_model *m, const gl_images *x, const int32_t *targets, const gl_smoothgrad_options *o,
                        float *map, float *grad) {
    gl_smoothgrad_options dflt = gl_smoothgrad_defaults();
    gl_status st;
    if (!o) o = &dflt;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n))) return st;
    if (o->samples < 1 || o->samples > 10000)
        return gl_fail(GL_ERR_ARGUMENT, "samples must be between 1 and 10000, got %d", o->samples);
    if (!(o->sigma >= 0 && o->sigma <= 10)) return gl_fail(GL_ERR_ARGUMENT, "sigma must be between 0 and 10, got %g", o->sigma);
    if (!grad) return gl_fail(GL_ERR_ARGUMENT, "no gradient buffer");
    size_t image = gl_image_floats(m);
    gl_rng rng = {o->seed};
    for (int i = 0; i < x->n && !st; i++) {
        noise_ctx ctx = {x->data + i * image, image, o->sigma, &rng};
        st = accumulate(m, targets[i], o->samples, noisy_copy, &ctx, NULL, o->squared, grad + i * image, NULL);
    }
    if (!st && map) gl_map_abs_max(m, grad, x->n, map);
    return st;
}

/* ---- Integrated Gradients ---------------------------------------------------- */
typedef struct {
    const float *x, *baseline;   /* (c,h,w) */
    size_t image;
    int steps;
} path_ctx;

static void path_point(void *ctx, int k, float *out) {
    path_ctx *c = ctx;
    float alpha = (float)k / (float)c->steps;
    for (size_t p = 0; p < c->image; p++) out[p] = c->baseline[p] + alpha * (c->x[p] - c->baseline[p]);
}

/* map (n,h,w) = sum over channels of attr (n,c,h,w): signed. */
static void map_channel_sum(const gl_model *m, const float *attr, int n, float *map) {
    size_t plane = (size_t)m->g.h * m->g.w;
    for (int i = 0; i < n; i++, attr += plane * m->g.c, map += plane) {
        memcpy(map, attr, plane * sizeof(float));
        for (int c = 1; c < m->g.c; c++) gl_add_vec(map, attr + c * plane, plane, map);
    }
}

/* b (c,h,w): the baseline of image i; tmp holds h*w floats for the blur. */
static void make_baseline(const gl_model *m, const gl_images *x, int i, const gl_ig_options *o, float *b, float *tmp) {
    size_t image = gl_image_floats(m);
    if (o->baseline == GL_BASELINE_BLACK) gl_fill(b, 0.0f, image);
    else if (o->baseline == GL_BASELINE_GIVEN) memcpy(b, o->baseline_image + i * image, image * sizeof(float));
    else {
        memcpy(b, x->data + i * image, image * sizeof(float));
        gl_gaussian_blur(b, m->g.c, m->g.h, m->g.w, o->blur_sigma, tmp);
    }
}

gl_status gl_integrated_gradients(gl_model *m, const gl_images *x, const int32_t *targets, const gl_ig_options *o,
                                  float *map, float *attr, float *error) {
    gl_status st;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n))) return st;
    if (!o || !attr) return gl_fail(GL_ERR_ARGUMENT, "no options or attribution buffer");
    if (o->steps < 1 || o->steps > 10000) return gl_fail(GL_ERR_ARGUMENT, "steps must be between 1 and 10000, got %d", o->steps);
    if (o->baseline < GL_BASELINE_BLACK || o->baseline > GL_BASELINE_GIVEN)
        return gl_fail(GL_ERR_ARGUMENT, "unknown baseline %d", (int)o->baseline);
    if (o->baseline == GL_BASELINE_BLURRED && !(o->blur_sigma > 0 && o->blur_sigma <= 16))
        return gl_fail(GL_ERR_ARGUMENT, "the blurred baseline's sigma must be in (0, 16], got %g", o->blur_sigma);
    if (o->baseline == GL_BASELINE_GIVEN) {
        gl_images b = {o->baseline_image, x->n, x->c, x->h, x->w};
        if ((st = gl_check_images(m, &b))) return gl_fail_context(st, "baseline: ");
    }
    size_t image = gl_image_floats(m);
    int points = o->steps + 1;
    float *b = malloc((image + (size_t)m->g.h * m->g.w + (size_t)points * 2) * sizeof(float));
    if (!b) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    float *tmp = b + image, *weights = tmp + (size_t)m->g.h * m->g.w, *scores = weights + points;
    /* trapezoidal rule: the two ends count half */
    for (int k = 0; k < points; k++) weights[k] = (k == 0 || k == o->steps ? 0.5f : 1.0f) / (float)o->steps;
    for (int i = 0; i < x->n && !st; i++) {
        const float *xi = x->data + i * image;
        float *ai = attr + i * image;
        make_baseline(m, x, i, o, b, tmp);
        path_ctx ctx = {xi, b, image, o->steps};
        if ((st = accumulate(m, targets[i], points, path_point, &ctx, weights, 0, ai, scores))) break;
        double total = 0;
        for (size_t p = 0; p < image; p++) total += ai[p] *= xi[p] - b[p];
        if (error) error[i] = (float)fabs(total - ((double)scores[o->steps] - scores[0]));
    }
    free(b);
    if (!st && map) map_channel_sum(m, attr, x->n, map);
    return st;
}

/* ---- Gradient x Input and Guided Backpropagation ------------------------------ */
gl_status gl_gradient_x_input(gl_model *m, const gl_images *x, const int32_t *targets, float *map, float *attr) {
    gl_status st;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n))) return st;
    if (!attr) return gl_fail(GL_ERR_ARGUMENT, "no attribution buffer");
    if ((st = gl_target_gradients(m, x->data, x->n, targets, 0, attr, NULL))) return st;
    size_t total = (size_t)x->n * gl_image_floats(m);
    for (size_t p = 0; p < total; p++) attr[p] *= x->data[p];
    if (map) map_channel_sum(m, attr, x->n, map);
    return GL_OK;
}

gl_status gl_guided_backprop(gl_model *m, const gl_images *x, const int32_t *targets, float *map, float *grad) {
    gl_status st;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n))) return st;
    if (!grad) return gl_fail(GL_ERR_ARGUMENT, "no gradient buffer");
    if ((st = gl_target_gradients(m, x->data, x->n, targets, 1, grad, NULL))) return st;
    if (map) gl_map_abs_max(m, grad, x->n, map);
    return GL_OK;
}
