/* Grad-CAM (Selvaraju et al. 2017): at a convolutional layer A (C',h',w'), the
 * channel weights alpha_c = mean over space of d S_target / d A_c, and the map
 * ReLU(sum_c alpha_c A_c), bilinearly upsampled to the input size (as
 * F.interpolate(mode='bilinear', align_corners=False)). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "status.h"

extern const gl_op gl_op_global_avgpool, gl_op_reduce_mean;

/* Whether a node averages a 4-D activation over its whole plane: GlobalAveragePool,
 * or ReduceMean over the spatial axes (x.mean([2, 3]) in MnasNet, ShuffleNet). */
static int is_global_mean(const gl_graph *g, const gl_node *node) {
    const gl_tensor *x = &g->tensors[node->in[0]];
    if (x->ndim != 4) return 0;
    if (node->op == &gl_op_global_avgpool) return 1;
    const gl_tensor *y = &g->tensors[node->out[0]];   /* (1, C, 1, 1) or (1, C) */
    return node->op == &gl_op_reduce_mean && y->ndim >= 2 && y->dims[1] == x->dims[1] && y->numel == x->dims[1];
}

/* The last 4-D activation before a global average pooling, else the last 4-D
 * activation with more than one pixel that the score depends on. */
int gl_model_default_cam_layer(const gl_model *m) {
    const gl_graph *g = &m->g;
    int pooled = -1, spatial = -1;
    for (int k = 0; k < g->nnodes; k++) {
        const gl_node *node = &g->nodes[k];
        if (!node->active) continue;
        if (is_global_mean(g, node)) pooled = node->in[0];
        const gl_tensor *t = &g->tensors[node->out[0]];
        if (t->ndim == 4 && t->dims[2] * t->dims[3] > 1) spatial = node->out[0];
    }
    return pooled >= 0 ? pooled : spatial;
}

/* out (OH,OW) from in (h,w), bilinear with half-pixel centres, edges clamped. */
static void upsample_bilinear(const float *in, int h, int w, float *out, int OH, int OW) {
    for (int y = 0; y < OH; y++) {
        float sy = ((float)y + 0.5f) * (float)h / (float)OH - 0.5f;
        if (sy < 0) sy = 0;
        int y0 = (int)sy, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        float fy = sy - (float)y0;
        for (int x = 0; x < OW; x++) {
            float sx = ((float)x + 0.5f) * (float)w / (float)OW - 0.5f;
            if (sx < 0) sx = 0;
            int x0 = (int)sx, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            float fx = sx - (float)x0;
            float top = in[y0 * w + x0] + fx * (in[y0 * w + x1] - in[y0 * w + x0]);
            float bottom = in[y1 * w + x0] + fx * (in[y1 * w + x1] - in[y1 * w + x0]);
            out[y * OW + x] = top + fy * (bottom - top);
        }
    }
}

gl_status gl_grad_cam(gl_model *m, const gl_images *x, const int32_t *targets, int tensor, float *map, float *lowres) {
    gl_status st;
    if ((st = gl_check_images(m, x)) || (st = gl_check_targets(m, targets, x->n))) return st;
    if (tensor < 0) tensor = gl_model_default_cam_layer(m);
    if (tensor < 0) return gl_fail(GL_ERR_UNSUPPORTED, "the model has no convolutional layer for Grad-CAM");
    if (tensor >= m->g.ntensors) return gl_fail(GL_ERR_ARGUMENT, "tensor %d does not exist", tensor);
    const gl_tensor *layer = &m->g.tensors[tensor];
    if (layer->kind != GL_TENSOR_ACT || layer->ndim != 4 || !layer->numel)
        return gl_fail(GL_ERR_ARGUMENT, "Grad-CAM needs a 4-D (NCHW) activation; '%s' is not one", layer->name);
    int K = m->g.classes, C = layer->dims[1], h = layer->dims[2], w = layer->dims[3];
    size_t plane = (size_t)h * w;
    float *cam = malloc(plane * sizeof(float));                                  /* (h, w) */
    if (!cam) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    for (int first = 0; first < x->n; first += m->chunk) {
        gl_run r;
        int count = x->n - first < m->chunk ? x->n - first : m->chunk;
        if ((st = gl_run_begin(m, first, count, &r))) break;
        gl_run_forward(&r, x->data + (size_t)first * gl_image_floats(m), NULL);
        gl_fill(r.dscore, 0.0f, (size_t)count * K);
        for (int i = 0; i < count; i++) r.dscore[(size_t)i * K + targets[first + i]] = 1.0f;
        gl_exec_backward(&r.e, r.dscore, tensor, NULL);
        for (int i = 0; i < count; i++) {
            const float *a = gl_value(&r.e, tensor) + (size_t)i * layer->numel;  /* (C, h, w) */
            const float *da = gl_grad(&r.e, tensor) + (size_t)i * layer->numel;
            gl_fill(cam, 0.0f, plane);
            for (int c = 0; c < C; c++)
                gl_axpy_vec(gl_sum_vec(da + c * plane, plane) / (float)plane, a + c * plane, plane, cam);
            gl_clamp_vec(cam, 0.0f, INFINITY, plane, cam);
            if (lowres) memcpy(lowres + (size_t)(first + i) * plane, cam, plane * sizeof(float));
            if (map) upsample_bilinear(cam, h, w, map + (size_t)(first + i) * m->g.h * m->g.w, m->g.h, m->g.w);
        }
    }
    free(cam);
    return st;
}
