/* The model object behind the public API, and the chunked runner the methods
 * share: a batch of any size runs in chunks of at most `chunk` images over one
 * allocation that is reused across calls. */
#ifndef GL_MODEL_H
#define GL_MODEL_H

#include "graph.h"
#include "kernels.h"

enum { GL_CHUNK_MAX = 16 };

struct gl_model {
    gl_graph g;
    float *mem;          /* chunk * (plan + classes + c*h*w) + scratch floats */
    int mem_images;      /* images the allocation holds, 0 before first use */
    int chunk;           /* images per chunk */
    gl_node_time *profile; /* (nnodes) while profiling, else NULL */
};

typedef struct {
    gl_exec e;           /* e.N images starting at batch index `first` */
    int first;
    float *dscore;       /* (N, classes) for the backward pass */
    float *dpixels;      /* (N, c, h, w) pixel gradient */
} gl_run;

/* The image size per image, in floats. */
size_t gl_image_floats(const gl_model *m);
/* Checks a batch: shape matches the model, every pixel finite and in [0,1]. */
gl_status gl_check_images(const gl_model *m, const gl_images *x);
gl_status gl_check_targets(const gl_model *m, const int32_t *targets, int n);
/* Prepares a run for images [first, first + count) of a batch; count <= m->chunk. */
gl_status gl_run_begin(gl_model *m, int first, int count, gl_run *r);
/* Forward on pixels (N,c,h,w); copies the scores into logits (N, classes) when not NULL. */
void gl_run_forward(const gl_run *r, const float *pixels, float *logits);
/* Backward of r->dscore to the pixels, into r->dpixels. */
void gl_run_backward_pixels(const gl_run *r);

/* d S_targets[i] / d pixels for `count` images x (count,c,h,w) in chunks: grad
 * (count,c,h,w); scores (count) the target scores, may be NULL. guided: the
 * guided-backpropagation ReLU rule. Inputs are not checked (callers do). */
gl_status gl_target_gradients(gl_model *m, const float *x, int count, const int32_t *targets, int guided, float *grad,
                              float *scores);
/* map (n,h,w) = max over channels of |g|, g (n,c,h,w). */
void gl_map_abs_max(const gl_model *m, const float *g, int n, float *map);

/* L2 and L-inf norms of a - b (n floats); either output may be NULL. */
void gl_perturbation(const float *a, const float *b, size_t n, float *l2, float *linf);

void gl_softmax(const float *logits, int n, float *probs);
/* The softmax probability of class k alone. */
float gl_softmax_at(const float *logits, int n, int k);
int gl_argmax(const float *v, int n);

#endif
