/* Fooling images, the cs231n rule: per image, until argmax == target or the
 * iteration cap, x += lr * g / ||g||_2 with g = d S_target / d x, then clamp to
 * [0,1] (pixel space, so the clamp is exact). The argmax is checked before every
 * step, so `iterations` counts the steps taken. */
#include <math.h>
#include <string.h>

#include "model.h"
#include "status.h"

gl_fool_options gl_fool_defaults(void) {
    gl_fool_options o = {1.0f, 100, NULL, NULL};
    return o;
}

static gl_status check_options(const gl_fool_options *o) {
    if (!(o->learning_rate > 0) || !isfinite(o->learning_rate))
        return gl_fail(GL_ERR_ARGUMENT, "learningRate must be a positive number, got %g", o->learning_rate);
    if (o->max_iterations < 0 || o->max_iterations > 100000)
        return gl_fail(GL_ERR_ARGUMENT, "maxIterations must be between 0 and 100000, got %d", o->max_iterations);
    return GL_OK;
}

/* One chunk of N images, x (N,c,h,w) updated in place; the plan's score tensor
 * ends holding the scores of the final images. */
static gl_status fool_chunk(gl_model *m, const gl_run *r, const int32_t *targets, const gl_fool_options *o,
                            float *x, int32_t *iterations, int32_t *success) {
    int K = m->g.classes, N = r->e.N;
    const float *logits = gl_value(&r->e, m->g.score);   /* (N, K) */
    size_t image = gl_image_floats(m);
    int stuck[GL_CHUNK_MAX] = {0};   /* a zero or non-finite gradient: the image cannot move */
    float target_prob[GL_CHUNK_MAX];
    for (int it = 0;; it++) {
        gl_run_forward(r, x, NULL);
        int remaining = 0;
        for (int i = 0; i < N; i++) {
            success[i] = gl_argmax(logits + (size_t)i * K, K) == targets[i];
            remaining += !success[i] && !stuck[i];
            target_prob[i] = gl_softmax_at(logits + (size_t)i * K, K, targets[i]);
        }
        if (o->progress && o->progress(o->user, it, target_prob, N))
            return gl_fail(GL_ERR_CANCELLED, "cancelled at iteration %d", it);
        if (!remaining || it == o->max_iterations) return GL_OK;
        gl_fill(r->dscore, 0.0f, (size_t)N * K);
        for (int i = 0; i < N; i++) r->dscore[(size_t)i * K + targets[i]] = 1.0f;
        gl_run_backward_pixels(r);
        for (int i = 0; i < N; i++) {
            if (success[i] || stuck[i]) continue;
            float *xi = x + (size_t)i * image;
            const float *g = r->dpixels + (size_t)i * image;
            float norm = sqrtf(gl_sumsq_vec(g, image));
            if (!(norm > 0) || !isfinite(norm)) {
                stuck[i] = 1;
                continue;
            }
            gl_axpy_vec(o->learning_rate / norm, g, image, xi);
            gl_clamp_vec(xi, 0.0f, 1.0f, image, xi);
            iterations[i]++;
        }
    }
}

gl_status gl_fool(gl_model *m, const gl_images *x, const int32_t *targets, const gl_fool_options *o, float *out,
                  int32_t *iterations, int32_t *success, float *logits, float *l2, float *linf) {
    gl_fool_options dflt = gl_fool_defaults();
    gl_status st;
    if (!o) o = &dflt;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n)) || (st = check_options(o))) return st;
    if (!out) return gl_fail(GL_ERR_ARGUMENT, "no output buffer");
    int K = m->g.classes;
    size_t image = gl_image_floats(m);
    memcpy(out, x->data, (size_t)x->n * image * sizeof(float));
    for (int first = 0; first < x->n; first += m->chunk) {
        gl_run r;
        int count = x->n - first < m->chunk ? x->n - first : m->chunk;
        int32_t its[GL_CHUNK_MAX] = {0}, ok[GL_CHUNK_MAX];
        if ((st = gl_run_begin(m, first, count, &r))) return st;
        if ((st = fool_chunk(m, &r, targets + first, o, out + (size_t)first * image, its, ok))) return st;
        const float *scores = gl_value(&r.e, m->g.score);
        for (int i = 0; i < count; i++) {
            int n = first + i;
            if (iterations) iterations[n] = its[i];
            if (success) success[n] = ok[i];
            if (logits) memcpy(logits + (size_t)n * K, scores + (size_t)i * K, (size_t)K * sizeof(float));
            gl_perturbation(out + (size_t)n * image, x->data + (size_t)n * image, image, l2 ? l2 + n : NULL,
                            linf ? linf + n : NULL);
        }
    }
    return GL_OK;
}
