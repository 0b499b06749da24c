/* Class saliency (Simonyan, Vedaldi & Zisserman 2014, section 3.1): the
 * gradient of the unnormalized class score S_y, not of the softmax or the loss,
 * with respect to the pixels; the map is |g| for one channel and the maximum of
 * |g| over channels for colour. */
#include <math.h>
#include <string.h>

#include "model.h"
#include "status.h"

gl_status gl_saliency(gl_model *m, const gl_images *x, const int32_t *targets, float *map, float *grad) {
    gl_status st;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n))) return st;
    int K = m->g.classes, C = m->g.c;
    size_t plane = (size_t)m->g.h * m->g.w, image = gl_image_floats(m);
    for (int first = 0; first < x->n; first += m->chunk) {
        gl_run r;
        int count = x->n - first < m->chunk ? x->n - first : m->chunk;
        if ((st = gl_run_begin(m, first, count, &r))) return st;
        gl_run_forward(&r, x->data + (size_t)first * image, NULL);
        gl_fill(r.dscore, 0.0f, (size_t)count * K);
        for (int i = 0; i < count; i++) r.dscore[(size_t)i * K + targets[first + i]] = 1.0f;
        gl_run_backward_pixels(&r);
        for (int i = 0; i < count; i++) {
            const float *g = r.dpixels + (size_t)i * image;           /* (C, H, W) */
            float *out = map ? map + (size_t)(first + i) * plane : NULL; /* (H, W) */
            for (size_t p = 0; out && p < plane; p++) {
                float best = fabsf(g[p]);
                for (int c = 1; c < C; c++) best = fmaxf(best, fabsf(g[(size_t)c * plane + p]));
                out[p] = best;
            }
        }
        if (grad) memcpy(grad + (size_t)first * image, r.dpixels, (size_t)count * image * sizeof(float));
    }
    return GL_OK;
}
