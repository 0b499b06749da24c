/* Class saliency (Simonyan, Vedaldi & Zisserman 2014, section 3.1): the
 * gradient of the unnormalized class score S_y, not of the softmax or the loss,
 * with respect to the pixels; the map is |g| for one channel and the maximum of
 * |g| over channels for colour. Also the primitive the other attribution
 * methods build on: target-score gradients of any number of images. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "status.h"

gl_status gl_target_gradients(gl_model *m, const float *x, int count, const int32_t *targets, int guided, float *grad,
                              float *scores) {
    int K = m->g.classes;
    size_t image = gl_image_floats(m);
    gl_status st;
    for (int first = 0; first < count; first += m->chunk) {
        gl_run r;
        int n = count - first < m->chunk ? count - first : m->chunk;
        if ((st = gl_run_begin(m, first, n, &r))) return st;
        r.e.guided = guided;
        r.e.only_class = targets + first;   /* only the targets' scores are read */
        gl_run_forward(&r, x + (size_t)first * image, NULL);
        const float *logits = gl_value(&r.e, m->g.score);   /* (n, K) */
        gl_fill(r.dscore, 0.0f, (size_t)n * K);
        for (int i = 0; i < n; i++) {
            r.dscore[(size_t)i * K + targets[first + i]] = 1.0f;
            if (scores) scores[first + i] = logits[(size_t)i * K + targets[first + i]];
        }
        gl_run_backward_pixels(&r);
        memcpy(grad + (size_t)first * image, r.dpixels, (size_t)n * image * sizeof(float));
    }
    return GL_OK;
}

void gl_map_abs_max(const gl_model *m, const float *g, int n, float *map) {
    size_t plane = (size_t)m->g.h * m->g.w;
    for (int i = 0; i < n; i++, g += plane * m->g.c, map += plane)
        for (size_t p = 0; p < plane; p++) {
            float best = fabsf(g[p]);
            for (int c = 1; c < m->g.c; c++) best = fmaxf(best, fabsf(g[c * plane + p]));
            map[p] = best;
        }
}

gl_status gl_saliency(gl_model *m, const gl_images *x, const int32_t *targets, float *map, float *grad) {
    gl_status st;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n))) return st;
    float *g = grad ? grad : malloc((size_t)x->n * gl_image_floats(m) * sizeof(float));
    if (!g) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    st = gl_target_gradients(m, x->data, x->n, targets, 0, g, NULL);
    if (!st && map) gl_map_abs_max(m, g, x->n, map);
    if (!grad) free(g);
    return st;
}
