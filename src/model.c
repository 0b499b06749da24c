/* Loading, configuration, input checks and the chunked runner; predict and the
 * general gradient. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"
#include "status.h"

/* Activation memory a chunk may take: larger batches are split, so memory stays
 * bounded whatever N the caller passes. */
#define CHUNK_BYTES ((size_t)256 << 20)

/* The largest run allocation (one chunk of images, plus scratch) a model may need:
 * half the address space, so the sizes below never wrap around. size_t is 32-bit
 * in wasm32: a model asking for 4 GB of activations per image must be refused,
 * not given a wrapped-around small buffer that the run then overruns. */
#define MAX_RUN_BYTES ((uint64_t)SIZE_MAX / 2)

/* An upper bound of the run memory per image in floats, in 64 bits: every value
 * and gradient buffer the plan could place (plan.c sums in size_t, which wraps in
 * wasm32 for absurd models), the scores' gradient and the pixels' gradient. */
static uint64_t run_floats_bound(const gl_graph *g) {
    uint64_t total = (uint64_t)(unsigned)g->classes + (uint64_t)g->c * (uint64_t)g->h * (uint64_t)g->w;
    for (int k = 0; k < g->ntensors; k++) {
        const gl_tensor *t = &g->tensors[k];
        if (t->kind == GL_TENSOR_ACT && t->alias < 0 && t->numel > 0) total += 2 * (((uint64_t)t->numel + 3) & ~(uint64_t)3);
    }
    uint64_t planned = (uint64_t)g->plan_floats + (uint64_t)(unsigned)g->classes + (uint64_t)g->c * g->h * g->w;
    return planned > total ? planned : total;
}

gl_status gl_model_load(const uint8_t *bytes, size_t n, gl_model **out) {
    *out = NULL;
    if (!bytes && n) return gl_fail(GL_ERR_ARGUMENT, "model bytes are NULL");
    gl_model *m = calloc(1, sizeof *m);
    if (!m) return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory");
    /* The parsed ONNX lives in its own arena: only the graph survives loading. */
    gl_arena parse = {0};
    onnx_model om;
    gl_status st = onnx_parse(bytes, n, &parse, &om);
    m->g.budget = GL_LOAD_BUDGET(n);
    if (!st) st = gl_graph_build(&om, &m->g);
    gl_arena_free(&parse);
    if (st) {
        gl_graph_free(&m->g);
        free(m);
        return st;
    }
    uint64_t bound = run_floats_bound(&m->g) * sizeof(float);
    if (bound + (uint64_t)m->g.scratch_floats * sizeof(float) > MAX_RUN_BYTES) {
        gl_fail(GL_ERR_OUT_OF_MEMORY, "the model needs %llu MB of activations per image, more than this build can address",
                (unsigned long long)(bound >> 20));
        gl_model_free(m);
        return GL_ERR_OUT_OF_MEMORY;
    }
    uint64_t per_image = ((uint64_t)m->g.plan_floats + (uint64_t)m->g.classes + gl_image_floats(m)) * sizeof(float);
    m->chunk = (int)(CHUNK_BYTES / per_image);
    if (m->chunk < 1) m->chunk = 1;
    if (m->chunk > GL_CHUNK_MAX) m->chunk = GL_CHUNK_MAX;
    *out = m;
    return GL_OK;
}

void gl_model_free(gl_model *m) {
    if (!m) return;
    free(m->mem);
    free(m->profile);
    gl_graph_free(&m->g);
    free(m);
}

gl_status gl_model_set_preprocess(gl_model *m, float scale, const float *mean, const float *std, int n) {
    if (n != 1 && n != m->g.c)
        return gl_fail(GL_ERR_ARGUMENT, "mean and std need 1 or %d values (one per channel), got %d", m->g.c, n);
    if (!isfinite(scale) || scale <= 0) return gl_fail(GL_ERR_ARGUMENT, "scale must be a positive number, got %g", scale);
    for (int c = 0; c < n; c++)
        if (!isfinite(mean[c]) || !isfinite(std[c]) || std[c] <= 0)
            return gl_fail(GL_ERR_ARGUMENT, "channel %d: mean %g and std %g must be finite, std positive", c, mean[c], std[c]);
    /* z = (p * scale - mean) / std = a * p + b */
    for (int c = 0; c < m->g.c; c++) {
        int k = n == 1 ? 0 : c;
        m->g.pre_a[c] = scale / std[k];
        m->g.pre_b[c] = -mean[k] / std[k];
    }
    return GL_OK;
}

void gl_model_input_shape(const gl_model *m, int *c, int *h, int *w) {
    *c = m->g.c;
    *h = m->g.h;
    *w = m->g.w;
}

int gl_model_num_classes(const gl_model *m) { return m->g.classes; }

int gl_model_find_tensor(const gl_model *m, const char *name) {
    for (int k = 0; k < m->g.ntensors; k++) {
        const gl_tensor *t = &m->g.tensors[k];
        if (t->kind == GL_TENSOR_ACT && t->numel && !strcmp(t->name, name)) return k;
    }
    return -1;
}

const char *gl_model_tensor_name(const gl_model *m, int tensor) {
    return tensor >= 0 && tensor < m->g.ntensors ? m->g.tensors[tensor].name : "";
}

int gl_model_tensor_shape(const gl_model *m, int tensor, int *dims, int max_dims) {
    if (tensor < 0 || tensor >= m->g.ntensors) return 0;
    const gl_tensor *t = &m->g.tensors[tensor];
    for (int d = 0; d < t->ndim && d < max_dims; d++) dims[d] = t->dims[d];
    return t->ndim;
}

gl_status gl_model_randomize_layer(gl_model *m, int tensor, uint64_t seed) {
    gl_graph *g = &m->g;
    int t = tensor < 0 ? g->score : tensor;
    if (t >= g->ntensors || g->tensors[t].kind != GL_TENSOR_ACT)
        return gl_fail(GL_ERR_ARGUMENT, "tensor %d is not an activation of this model", tensor);
    /* Through aliases (Flatten, folded BatchNorm ...) to the node that computes it;
     * for the default, on through weightless nodes to the classifier layer. */
    for (;;) {
        while (g->tensors[t].alias >= 0) t = g->tensors[t].alias;
        int k = g->tensors[t].producer;
        if (k < 0) break;
        if (g->nodes[k].op->randomize) {
            gl_rng rng = {seed};
            g->nodes[k].op->randomize(&g->nodes[k], &rng);
            return GL_OK;
        }
        if (tensor >= 0 || g->nodes[k].nin < 1 || g->nodes[k].in[0] < 0) break;
        t = g->nodes[k].in[0];
    }
    return gl_fail(GL_ERR_ARGUMENT, "'%s' is not computed by a layer with weights (Conv, Gemm, MatMul)",
                   g->tensors[tensor < 0 ? g->score : tensor].name);
}

size_t gl_image_floats(const gl_model *m) { return (size_t)m->g.c * m->g.h * m->g.w; }

gl_status gl_check_images(const gl_model *m, const gl_images *x) {
    if (!x || !x->data) return gl_fail(GL_ERR_ARGUMENT, "no image data");
    if (x->n < 1) return gl_fail(GL_ERR_ARGUMENT, "the batch is empty (n = %d)", x->n);
    if (x->c != m->g.c || x->h != m->g.h || x->w != m->g.w)
        return gl_fail(GL_ERR_ARGUMENT, "images are %dx%dx%d (CxHxW) but the model takes %dx%dx%d", x->c, x->h, x->w,
                       m->g.c, m->g.h, m->g.w);
    size_t total = (size_t)x->n * gl_image_floats(m);
    for (size_t k = 0; k < total; k++) {
        float v = x->data[k];
        if (!(v >= 0.0f && v <= 1.0f)) {
            size_t img = k / gl_image_floats(m), at = k % gl_image_floats(m);
            return gl_fail(GL_ERR_ARGUMENT, "image %zu, channel %zu, pixel (%zu, %zu) is %g; pixels must be in [0, 1]",
                           img, at / ((size_t)m->g.h * m->g.w), at / m->g.w % m->g.h, at % m->g.w, v);
        }
    }
    return GL_OK;
}

gl_status gl_check_targets(const gl_model *m, const int32_t *targets, int n) {
    if (!targets) return gl_fail(GL_ERR_ARGUMENT, "no targets");
    for (int i = 0; i < n; i++)
        if (targets[i] < 0 || targets[i] >= m->g.classes)
            return gl_fail(GL_ERR_ARGUMENT, "target %d of image %d is out of range: the model has %d classes (0 to %d)",
                           targets[i], i, m->g.classes, m->g.classes - 1);
    return GL_OK;
}

gl_status gl_run_begin(gl_model *m, int first, int count, gl_run *r) {
    size_t per_image = m->g.plan_floats + (size_t)m->g.classes + gl_image_floats(m);
    /* Room for the images this run needs, not a whole chunk: one image of a 224x224
     * network is ~14 MB of activations and gradients, and most calls bring one. */
    if (m->mem_images < count) {
        free(m->mem);
        m->mem = NULL;
        m->mem_images = 0;
        /* in 64 bits: the load refused models for which this could wrap, but stay safe */
        uint64_t bytes = ((uint64_t)per_image * (uint64_t)count + m->g.scratch_floats) * sizeof(float);
        if (bytes > MAX_RUN_BYTES || !(m->mem = malloc((size_t)bytes)))
            return gl_fail(GL_ERR_OUT_OF_MEMORY, "out of memory: %llu MB needed for %d images",
                           (unsigned long long)(bytes >> 20), count);
        m->mem_images = count;
    }
    float *p = m->mem;
    r->e.g = &m->g;
    r->e.N = count;
    r->e.mem = p;
    p += m->g.plan_floats * (size_t)count;
    r->dscore = p;
    p += (size_t)m->g.classes * count;
    r->dpixels = p;
    p += gl_image_floats(m) * count;
    r->e.scratch = p;
    r->e.guided = 0;
    r->e.only_class = NULL;
    r->e.profile = m->profile;
    r->first = first;
    return GL_OK;
}

void gl_run_forward(const gl_run *r, const float *pixels, float *logits) {
    gl_exec_forward(&r->e, pixels);
    if (logits)
        memcpy(logits, gl_value(&r->e, r->e.g->score), (size_t)r->e.N * r->e.g->classes * sizeof(float));
}

void gl_run_backward_pixels(const gl_run *r) { gl_exec_backward(&r->e, r->dscore, -1, r->dpixels); }

void gl_softmax(const float *logits, int n, float *probs) {
    float max = logits[0];
    for (int k = 1; k < n; k++) max = logits[k] > max ? logits[k] : max;
    double sum = 0;
    for (int k = 0; k < n; k++) sum += probs[k] = expf(logits[k] - max);
    for (int k = 0; k < n; k++) probs[k] = (float)(probs[k] / sum);
}

float gl_softmax_at(const float *logits, int n, int k) {
    double sum = 0;
    for (int j = 0; j < n; j++) sum += exp((double)logits[j] - logits[k]);
    return (float)(1.0 / sum);
}

void gl_perturbation(const float *a, const float *b, size_t n, float *l2, float *linf) {
    double sq = 0;
    float mx = 0;
    for (size_t p = 0; p < n; p++) {
        float d = fabsf(a[p] - b[p]);
        sq += (double)d * d;
        mx = d > mx ? d : mx;
    }
    if (l2) *l2 = (float)sqrt(sq);
    if (linf) *linf = mx;
}

int gl_argmax(const float *v, int n) {
    int best = 0;
    for (int k = 1; k < n; k++)
        if (v[k] > v[best]) best = k;
    return best;
}

gl_status gl_predict(gl_model *m, const gl_images *x, float *logits, float *probs) {
    gl_status st = gl_check_images(m, x);
    if (st) return st;
    int K = m->g.classes;
    for (int first = 0; first < x->n; first += m->chunk) {
        gl_run r;
        int count = x->n - first < m->chunk ? x->n - first : m->chunk;
        if ((st = gl_run_begin(m, first, count, &r))) return st;
        const float *scores = gl_value(&r.e, m->g.score);     /* (count, K) */
        gl_run_forward(&r, x->data + (size_t)first * gl_image_floats(m), NULL);
        for (int i = 0; i < count; i++) {
            size_t at = (size_t)(first + i) * K;
            if (logits) memcpy(logits + at, scores + (size_t)i * K, (size_t)K * sizeof(float));
            if (probs) gl_softmax(scores + (size_t)i * K, K, probs + at);
        }
    }
    return GL_OK;
}

gl_status gl_gradient(gl_model *m, const gl_images *x, const float *weights, int tensor, float *grad, float *value) {
    gl_status st = gl_check_images(m, x);
    if (st) return st;
    if (!weights) return gl_fail(GL_ERR_ARGUMENT, "no score weights");
    if (tensor < -1 || tensor >= m->g.ntensors || (tensor >= 0 && (m->g.tensors[tensor].kind != GL_TENSOR_ACT ||
                                                                     !m->g.tensors[tensor].numel)))
        return gl_fail(GL_ERR_ARGUMENT, "tensor %d is not an activation of this model", tensor);
    size_t per = tensor < 0 ? gl_image_floats(m) : (size_t)m->g.tensors[tensor].numel;
    int K = m->g.classes;
    for (int first = 0; first < x->n; first += m->chunk) {
        gl_run r;
        int count = x->n - first < m->chunk ? x->n - first : m->chunk;
        if ((st = gl_run_begin(m, first, count, &r))) return st;
        gl_run_forward(&r, x->data + (size_t)first * gl_image_floats(m), NULL);
        memcpy(r.dscore, weights + (size_t)first * K, (size_t)count * K * sizeof(float));
        gl_exec_backward(&r.e, r.dscore, tensor, r.dpixels);
        const float *g = tensor < 0 ? r.dpixels : gl_grad(&r.e, tensor);
        const float *v = tensor < 0 ? x->data + (size_t)first * per : gl_value(&r.e, tensor);
        if (grad) memcpy(grad + (size_t)first * per, g, per * count * sizeof(float));
        if (value) memcpy(value + (size_t)first * per, v, per * count * sizeof(float));
    }
    return GL_OK;
}
