/* Gradient attacks in pixel space, on the cross-entropy of the scores (as
 * Foolbox and the papers define them), with clamping to [0,1]:
 *
 *   FGSM (Goodfellow et al. 2015): one step of epsilon * sign(gradient);
 *   PGD (Madry et al. 2018): from a random point of the epsilon ball (seeded),
 *     `steps` steps of step * sign(g) (L-inf) or step * g / ||g||_2 (L2), each
 *     projected back onto the ball and [0,1].
 *
 * Untargeted attacks ascend the loss of the true label (or, without labels,
 * of the model's own prediction) and succeed when the argmax leaves it;
 * targeted ones descend the loss of the target and succeed when the argmax
 * reaches it. The cs231n rule (fool.c) is the third attack the API offers. */
#include <math.h>
#include <string.h>

#include "model.h"
#include "rng.h"
#include "status.h"

gl_attack_options gl_attack_defaults(gl_attack_method method) {
    gl_attack_options o = {0};
    o.method = method;
    o.epsilon = method == GL_ATTACK_PGD_L2 ? 1.0f : 8.0f / 255.0f;
    o.step = o.epsilon / 4.0f;
    o.steps = method == GL_ATTACK_FGSM ? 1 : 10;
    o.random_start = method != GL_ATTACK_FGSM;
    return o;
}

static gl_status check_options(const gl_attack_options *o) {
    if (o->method < GL_ATTACK_FGSM || o->method > GL_ATTACK_PGD_L2) return gl_fail(GL_ERR_ARGUMENT, "unknown attack %d", (int)o->method);
    if (!(o->epsilon > 0) || !isfinite(o->epsilon)) return gl_fail(GL_ERR_ARGUMENT, "epsilon must be a positive number, got %g", o->epsilon);
    if (o->method != GL_ATTACK_FGSM && (!(o->step > 0) || !isfinite(o->step)))
        return gl_fail(GL_ERR_ARGUMENT, "step must be a positive number, got %g", o->step);
    if (o->method != GL_ATTACK_FGSM && (o->steps < 1 || o->steps > 100000))
        return gl_fail(GL_ERR_ARGUMENT, "steps must be between 1 and 100000, got %d", o->steps);
    return GL_OK;
}

/* x (n,c,h,w) = x0 + a random point of the epsilon ball, clamped to [0,1]. */
static void random_start(const gl_model *m, const gl_attack_options *o, gl_rng *rng, const float *x0, int n, float *x) {
    size_t image = gl_image_floats(m);
    for (int i = 0; i < n; i++) {
        float *xi = x + i * image;
        if (o->method == GL_ATTACK_PGD_LINF) {
            for (size_t p = 0; p < image; p++) xi[p] = (2.0f * gl_rng_uniform(rng) - 1.0f) * o->epsilon;
        } else { /* uniform in the L2 ball: a Gaussian direction, radius eps * u^(1/d) */
            gl_rng_gaussian(rng, xi, image);
            float radius = o->epsilon * powf(gl_rng_uniform(rng), 1.0f / (float)image);
            gl_affine_vec(xi, radius / sqrtf(gl_sumsq_vec(xi, image)), 0.0f, image, xi);
        }
        gl_add_vec(xi, x0 + i * image, image, xi);
        gl_clamp_vec(xi, 0.0f, 1.0f, image, xi);
    }
}

/* Back onto the epsilon ball around x0 and into [0,1]. */
static void project(const gl_attack_options *o, const float *x0, size_t image, float *x) {
    if (o->method == GL_ATTACK_PGD_L2) {
        double norm = 0;
        for (size_t p = 0; p < image; p++) norm += (double)(x[p] - x0[p]) * (x[p] - x0[p]);
        float shrink = norm > (double)o->epsilon * o->epsilon ? o->epsilon / (float)sqrt(norm) : 1.0f;
        for (size_t p = 0; p < image; p++) x[p] = x0[p] + shrink * (x[p] - x0[p]);
    } else {
        for (size_t p = 0; p < image; p++) x[p] = fminf(fmaxf(x[p], x0[p] - o->epsilon), x0[p] + o->epsilon);
    }
    gl_clamp_vec(x, 0.0f, 1.0f, image, x);
}

/* x += step * direction(g): sign for L-inf (and FGSM), unit L2 otherwise. sign(0) = 0. */
static void ascend(const gl_attack_options *o, float step, const float *g, size_t image, float *x) {
    if (o->method == GL_ATTACK_PGD_L2) {
        float norm = sqrtf(gl_sumsq_vec(g, image));
        if (norm > 0 && isfinite(norm)) gl_axpy_vec(step / norm, g, image, x);
        return;
    }
    for (size_t p = 0; p < image; p++) x[p] += g[p] > 0 ? step : g[p] < 0 ? -step : 0.0f;
}

/* One chunk: x (n,c,h,w) starts as x0 and ends as the adversarial images;
 * aim[i] is the label to leave (untargeted) or the target to reach. */
static gl_status attack_chunk(gl_model *m, const gl_run *r, const gl_attack_options *o, gl_rng *rng, const float *x0,
                              const int32_t *aim, int targeted, float *x) {
    int K = m->g.classes, N = r->e.N;
    size_t image = gl_image_floats(m);
    const float *logits = gl_value(&r->e, m->g.score);   /* (N, K) */
    if (o->random_start && o->method != GL_ATTACK_FGSM) random_start(m, o, rng, x0, N, x);
    float step = o->method == GL_ATTACK_FGSM ? o->epsilon : o->step;
    int steps = o->method == GL_ATTACK_FGSM ? 1 : o->steps;
    for (int s = 0; s < steps; s++) {
        gl_run_forward(r, x, NULL);
        float aim_prob[GL_CHUNK_MAX];
        for (int i = 0; i < N; i++) {
            /* d CE / d scores = softmax - onehot(aim); descending it for a target */
            float *d = r->dscore + (size_t)i * K;
            gl_softmax(logits + (size_t)i * K, K, d);
            aim_prob[i] = d[aim[i]];
            d[aim[i]] -= 1.0f;
            if (targeted) gl_affine_vec(d, -1.0f, 0.0f, (size_t)K, d);
        }
        if (o->progress && o->progress(o->user, s, aim_prob, N)) return gl_fail(GL_ERR_CANCELLED, "cancelled at step %d", s);
        gl_run_backward_pixels(r);
        for (int i = 0; i < N; i++) {
            ascend(o, step, r->dpixels + i * image, image, x + i * image);
            project(o, x0 + i * image, image, x + i * image);
        }
    }
    gl_run_forward(r, x, NULL);
    return GL_OK;
}

gl_status gl_attack(gl_model *m, const gl_images *x, const int32_t *labels, const int32_t *targets,
                    const gl_attack_options *o, float *out, int32_t *success, float *logits, float *l2, float *linf) {
    gl_status st;
    if (!o || !out) return gl_fail(GL_ERR_ARGUMENT, "no options or output buffer");
    if ((st = gl_check_images(m, x)) || (st = check_options(o))) return st;
    if (targets && (st = gl_check_targets(m, targets, x->n))) return st;
    if (!targets && labels && (st = gl_check_targets(m, labels, x->n))) return gl_fail_context(st, "labels: ");
    int K = m->g.classes;
    size_t image = gl_image_floats(m);
    gl_rng rng = {o->seed};
    memcpy(out, x->data, (size_t)x->n * image * sizeof(float));
    for (int first = 0; first < x->n; first += m->chunk) {
        gl_run r;
        int count = x->n - first < m->chunk ? x->n - first : m->chunk;
        int32_t aim[GL_CHUNK_MAX];
        if ((st = gl_run_begin(m, first, count, &r))) return st;
        const float *x0 = x->data + (size_t)first * image;
        const float *scores = gl_value(&r.e, m->g.score);
        if (!targets && !labels) gl_run_forward(&r, x0, NULL); /* untargeted without labels: leave the prediction */
        for (int i = 0; i < count; i++)
            aim[i] = targets ? targets[first + i] : labels ? labels[first + i] : gl_argmax(scores + (size_t)i * K, K);
        if ((st = attack_chunk(m, &r, o, &rng, x0, aim, targets != NULL, out + (size_t)first * image))) return st;
        for (int i = 0; i < count; i++) {
            int n = first + i, best = gl_argmax(scores + (size_t)i * K, K);
            if (success) success[n] = targets ? best == aim[i] : best != aim[i];
            if (logits) memcpy(logits + (size_t)n * K, scores + (size_t)i * K, (size_t)K * sizeof(float));
            gl_perturbation(out + (size_t)n * image, x->data + (size_t)n * image, image, l2 ? l2 + n : NULL,
                            linf ? linf + n : NULL);
        }
    }
    return GL_OK;
}
