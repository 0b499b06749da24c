/* Class model visualization (Simonyan et al. 2014, section 2, as in cs231n):
 * gradient ascent on S_y(z) - l2 * ||z||^2 from seeded noise, where z is the
 * network-space image (so the penalty pulls towards the dataset mean, as in
 * cs231n), but every step is taken on the pixels: roll by a random jitter, step
 * by lr * g / ||g||_2, roll back, clamp to [0,1], blur every k iterations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blur.h"
#include "model.h"
#include "rng.h"
#include "status.h"

#define JITTER_STREAM 0xD1B54A32D192ED03ull

gl_visualize_options gl_visualize_defaults(const gl_model *m) {
    /* cs231n's numbers are for 3x224x224: the step's L2 norm scales with the square
     * root of the pixel count (the same per-pixel step), the jitter with the size. */
    gl_visualize_options o = {0};
    o.iterations = 100;
    o.l2_reg = 1e-3f;
    o.learning_rate = 25.0f * sqrtf((float)gl_image_floats(m) / (3.0f * 224 * 224));
    o.blur_every = 10;
    o.blur_sigma = 0.5f;
    o.jitter_x = (int)lroundf(16.0f * m->g.w / 224.0f);
    o.jitter_y = (int)lroundf(16.0f * m->g.h / 224.0f);
    return o;
}

static gl_status check_options(const gl_model *m, const gl_visualize_options *o) {
    if (o->iterations < 0 || o->iterations > 100000)
        return gl_fail(GL_ERR_ARGUMENT, "iterations must be between 0 and 100000, got %d", o->iterations);
    if (!(o->learning_rate > 0) || !isfinite(o->learning_rate))
        return gl_fail(GL_ERR_ARGUMENT, "learningRate must be a positive number, got %g", o->learning_rate);
    if (!(o->l2_reg >= 0) || !isfinite(o->l2_reg))
        return gl_fail(GL_ERR_ARGUMENT, "l2Reg must be a non-negative number, got %g", o->l2_reg);
    if (o->blur_every < 0) return gl_fail(GL_ERR_ARGUMENT, "blurEvery must be 0 (never) or more, got %d", o->blur_every);
    if (!(o->blur_sigma >= 0 && o->blur_sigma <= 16))
        return gl_fail(GL_ERR_ARGUMENT, "blurSigma must be between 0 and 16, got %g", o->blur_sigma);
    if (o->jitter_x < 0 || o->jitter_x >= m->g.w || o->jitter_y < 0 || o->jitter_y >= m->g.h)
        return gl_fail(GL_ERR_ARGUMENT, "jitter (%d, %d) must be between 0 and the image size minus one", o->jitter_x,
                       o->jitter_y);
    return GL_OK;
}

/* dst = src rolled by (dy, dx) with wrap-around, like torch.roll; x (C,H,W). */
static void roll(const float *src, float *dst, int C, int H, int W, int dy, int dx) {
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++) {
            const float *s = src + ((size_t)c * H + y) * W;
            float *d = dst + ((size_t)c * H + (y + dy + H) % H) * W;
            for (int x = 0; x < W; x++) d[(x + dx + W) % W] = s[x];
        }
}

/* Seeded noise in network space, as cs231n's randn image, mapped to pixels. */
static void init_noise(const gl_model *m, uint64_t seed, float *p) {
    gl_rng rng = {seed};
    size_t plane = (size_t)m->g.h * m->g.w;
    gl_rng_gaussian(&rng, p, gl_image_floats(m));
    for (int c = 0; c < m->g.c; c++) {
        float *pc = p + (size_t)c * plane;
        gl_affine_vec(pc, 1.0f / m->g.pre_a[c], -m->g.pre_b[c] / m->g.pre_a[c], plane, pc);
        gl_clamp_vec(pc, 0.0f, 1.0f, plane, pc);
    }
}

gl_status gl_visualize_class(gl_model *m, int32_t target, const gl_visualize_options *o, float *out, float *logits) {
    gl_status st;
    if (!o || !out) return gl_fail(GL_ERR_ARGUMENT, "no options or output buffer");
    if ((st = gl_check_targets(m, &target, 1)) || (st = check_options(m, o))) return st;
    gl_images init = {o->init, 1, m->g.c, m->g.h, m->g.w};
    if (o->init && (st = gl_check_images(m, &init))) return gl_fail_context(st, "init: ");
    int C = m->g.c, H = m->g.h, W = m->g.w, K = m->g.classes;
    size_t image = gl_image_floats(m), plane = (size_t)H * W;
    gl_run r;
    if ((st = gl_run_begin(m, 0, 1, &r))) return st;
    float *moved = malloc((image + plane) * sizeof(float));   /* (C,H,W) jittered image, then (H,W) blur temp */
    if (!moved) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    if (o->init) memcpy(out, o->init, image * sizeof(float));
    else init_noise(m, o->seed, out);

    gl_rng jitter = {o->seed ^ JITTER_STREAM};
    const float *score = gl_value(&r.e, m->g.score), *z = gl_value(&r.e, m->g.input);
    for (int t = 0; t < o->iterations; t++) {
        int ox = (int)(gl_rng_next(&jitter) % (uint64_t)(o->jitter_x + 1));
        int oy = (int)(gl_rng_next(&jitter) % (uint64_t)(o->jitter_y + 1));
        roll(out, moved, C, H, W, oy, ox);
        gl_run_forward(&r, moved, NULL);
        if (o->progress && o->progress(o->user, t, &score[target], 1)) {
            free(moved);
            return gl_fail(GL_ERR_CANCELLED, "cancelled at iteration %d", t);
        }
        gl_fill(r.dscore, 0.0f, (size_t)K);
        r.dscore[target] = 1.0f;
        gl_run_backward_pixels(&r);
        /* d(-l2 ||z||^2)/dp = -2 l2 z dz/dp, with dz/dp = pre_a[c] */
        for (int c = 0; c < C; c++)
            gl_axpy_vec(-2.0f * o->l2_reg * m->g.pre_a[c], z + c * plane, plane, r.dpixels + c * plane);
        float norm = sqrtf(gl_sumsq_vec(r.dpixels, image));
        if (norm > 0 && isfinite(norm)) gl_axpy_vec(o->learning_rate / norm, r.dpixels, image, moved);
        roll(moved, out, C, H, W, -oy, -ox);
        gl_clamp_vec(out, 0.0f, 1.0f, image, out);
        if (o->blur_every && t % o->blur_every == 0) gl_gaussian_blur(out, C, H, W, o->blur_sigma, moved);
    }
    free(moved);
    if (logits) gl_run_forward(&r, out, logits);
    return GL_OK;
}
