/* The engine's static graph: tensors, nodes, the operator interface, and the
 * memory plan. Built once from an onnx_model at load (graph_build.c), then run
 * forward and backward any number of times (exec.c).
 *
 * Batching: shapes are inferred for one image (the batch dimension, where a
 * tensor has one, is 1). At run time a chunk of N images is N consecutive copies
 * of every activation, so the memory plan is per image and simply scales by N. */
#ifndef GL_GRAPH_H
#define GL_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "gradlens.h"
#include "onnx.h"
#include "rng.h"

enum { GL_MAX_DIMS = 6, GL_MAX_CHANNELS = 16 };

/* UNKNOWN only while inspecting: produced by a node that could not be built. */
typedef enum { GL_TENSOR_ACT, GL_TENSOR_CONST, GL_TENSOR_UNKNOWN } gl_tensor_kind;

typedef struct {
    const char *name;
    gl_tensor_kind kind;
    int ndim;
    int dims[GL_MAX_DIMS];   /* activations: for one image (dims[0] == 1 where batched) */
    int numel;               /* activations: per image; constants: total */
    const float *f;          /* constant data, float; valid while building only: */
    const int64_t *i;        /* operators copy what they keep (the ONNX is freed after load) */
    int alias;               /* an activation stored in another's buffer (Reshape ...), else -1 */
    int producer;            /* node index, -1 for the input and constants */
    size_t offset;           /* value buffer: floats per image from the plan's start */
    size_t grad_offset;      /* gradient buffer, likewise */
} gl_tensor;

struct gl_op;

typedef struct {
    const struct gl_op *op;
    const char *name;
    int nin, nout;
    int *in, *out;           /* tensor ids; -1 for an omitted optional input */
    void *p;                 /* operator parameters (attributes, prepacked weights) */
    int active;              /* needed to compute the score */
    int class_conv;          /* a Conv whose output channel k becomes the score of class k
                                through channel-wise nodes only (see gl_exec.only_class) */
    unsigned grad_store;     /* bit i: backward stores input i's gradient instead of adding
                                into it (plan.c: it is the first writer, and writes all of it) */
} gl_node;

/* Whether node's backward adds into input i's gradient (else it stores it). */
static inline int gl_grad_accumulate(const gl_node *node, int i) { return i >= 32 || !(node->grad_store >> i & 1u); }

typedef struct {
    gl_arena arena;          /* every allocation of the graph */
    int ntensors, nnodes;
    gl_tensor *tensors;
    gl_node *nodes;
    int input;               /* the network input z (after preprocessing) */
    int score;               /* the unnormalized class scores */
    int c, h, w, classes;
    int64_t opset;
    float pre_a[GL_MAX_CHANNELS], pre_b[GL_MAX_CHANNELS]; /* z = pre_a[c] * p + pre_b[c] */
    size_t grad_base;        /* per image: where the gradient buffers start */
    size_t plan_floats;      /* per image: every value and gradient buffer */
    /* Gradients to zero before node k's backward: zero_list[zero_first[k] .. zero_first[k+1]),
     * k = nnodes: at the start (plan.c). NULL: zero every gradient at the start. */
    int *zero_first, *zero_list;
    size_t scratch_floats;   /* per image: the largest operator scratch */
    size_t budget;           /* bytes operators may keep (prepacked weights, computed constants); 0: no limit */
    int over_budget;         /* an allocation was refused for the budget */
} gl_graph;

/* The budget of a model of n bytes: a model cannot make the engine allocate far
 * more at load than it brings (one weight shared by 1,000 Convs, each keeping its
 * prepacked copies; ConstantOfShape of 4096x4096 repeated). */
#define GL_LOAD_BUDGET(n) ((size_t)16 * (n) + ((size_t)16 << 20))

/* A run over a chunk of N images. */
typedef struct {
    const gl_graph *g;
    int N;
    float *mem;              /* plan_floats * N */
    float *scratch;          /* scratch_floats */
    int guided;              /* backward with the guided-backpropagation ReLU rule */
    /* (N) the one class per image whose score the run needs, or NULL: every class. A
     * class_conv node that runs a GEMM then computes that channel alone and zeros the
     * others, so only these scores are valid. */
    const int32_t *only_class;
    gl_node_time *profile;   /* (nnodes) per-node times to add to, or NULL */
} gl_exec;

static inline float *gl_value(const gl_exec *e, int t) {
    return e->mem + e->g->tensors[t].offset * (size_t)e->N;
}
static inline float *gl_grad(const gl_exec *e, int t) {
    return e->mem + e->g->tensors[t].grad_offset * (size_t)e->N;
}
static inline const gl_tensor *gl_t(const gl_exec *e, int t) { return &e->g->tensors[t]; }

/* ---- building ------------------------------------------------------------ */
typedef struct {
    gl_graph *g;
    const onnx_node *src;
    gl_node *node;
} gl_build;

/* Operator interface. build: read attributes, check inputs, infer the outputs'
 * shapes (gl_build_output), prepack weights into node->p; may return an error.
 * fold (optional): called instead of build when every input is a constant, computes
 * the outputs at load as constants (gl_build_const): the shape arithmetic exporters
 * emit (Shape -> Gather -> Concat -> Reshape) becomes static. An operator without
 * build exists only to be folded.
 * finalize (optional): after every node is built and folded (e.g. BatchNorm into
 * Conv), derive what depends on final weights and report the scratch size.
 * forward: outputs from inputs. backward (NULL for aliases): add the input
 * gradients implied by the output gradients, for inputs that are activations. */
typedef struct gl_op {
    const char *name;
    gl_status (*build)(gl_build *b);
    gl_status (*fold)(gl_build *b);
    gl_status (*finalize)(gl_graph *g, gl_node *node, size_t *scratch_floats);
    void (*forward)(const gl_node *node, const gl_exec *e);
    void (*backward)(const gl_node *node, const gl_exec *e);
    /* optional: redraw the weights at random with their current spread (sanity checks) */
    void (*randomize)(gl_node *node, gl_rng *rng);
    /* optional: how this node runs, for profiles (static string) */
    const char *(*algorithm)(const gl_node *node);
    /* optional: nonzero if backward writes every element of input i's gradient and can
     * store it (gl_grad_accumulate): its first writer then needs no zeroed buffer */
    int (*writes_whole_grad)(const gl_node *node, int i);
} gl_op;

const gl_op *gl_find_op(const char *op_type);

/* Helpers for build functions (graph_build.c). */
int64_t gl_attr_int(const gl_build *b, const char *name, int64_t dflt);
float gl_attr_float(const gl_build *b, const char *name, float dflt);
const char *gl_attr_string(const gl_build *b, const char *name, const char *dflt);
/* ints attribute into out[max]; returns its length, or -1 when absent. */
int gl_attr_ints(const gl_build *b, const char *name, int64_t *out, int max);
/* int64 values of constant input k (a shape, pads, starts ...): up to max into out,
 * *n of them (more than max is an error). */
gl_status gl_const_ints(const gl_build *b, int k, const char *what, int64_t *out, int max, int *n);
/* Axes given as the attribute "axes" (opset < input_opset) or as constant input k
 * (from input_opset on): into axes, normalized against rank (negative ones count
 * from the end), checked in range and distinct. *n = -1 when absent. */
gl_status gl_axes(const gl_build *b, int64_t input_opset, int k, int rank, int *axes, int *n);
/* The k-th input tensor, or NULL when absent; a constant one's data via ->f / ->i. */
gl_tensor *gl_input(const gl_build *b, int k);
gl_status gl_require_const_float(const gl_build *b, int k, const char *what, gl_tensor **out);
/* Input k: a constant of float or integer values (what constant folding computes on). */
gl_status gl_require_const(const gl_build *b, int k, gl_tensor **out);
gl_status gl_require_activation(const gl_build *b, int k, gl_tensor **out);
/* Declares output k with a shape; `alias_of` >= 0 makes it share that tensor's buffers. */
gl_status gl_build_output(gl_build *b, int k, int ndim, const int *dims, int alias_of);
/* Declares output k as a constant computed at load: *data receives room for its values
 * (float, or int64 when !is_float) in the graph's arena. Dimensions may be 0. */
gl_status gl_build_const(gl_build *b, int k, int ndim, const int *dims, int is_float, void **data);
void *gl_build_alloc(gl_build *b, size_t bytes);
/* The same for what an operator can do without (a faster layout of its weights): NULL
 * beyond the budget, without failing the load. */
void *gl_build_alloc_optional(gl_build *b, size_t bytes);

/* Graph construction and memory plan (graph_build.c, plan.c). gl_graph_build runs
 * every stage and fails at the first problem: gl_graph_build_nodes (tensors, nodes,
 * shapes, load-time constants) then gl_graph_finish (folding, the score, the active
 * nodes, finalize, the plan). For inspection, gl_graph_build_nodes with a `skipped`
 * callback builds what it can: a node whose operator is unknown (unsupported = 1) or
 * whose build fails (message) is reported, and so is every node reading an output of
 * a reported one (message NULL); their outputs become GL_TENSOR_UNKNOWN. A problem
 * with the graph input is reported with on = NULL. */
typedef void (*gl_skip_fn)(void *user, const onnx_node *on, int unsupported, const char *message);
gl_status gl_graph_build_nodes(const onnx_model *om, gl_graph *g, gl_skip_fn skipped, void *user);
gl_status gl_graph_finish(const onnx_model *om, gl_graph *g);
gl_status gl_graph_build(const onnx_model *om, gl_graph *g);
/* Folds per-channel affine layers (BatchNorm, a (C,1,1) constant Add) into the
 * Conv before them (graph_fold.c). */
gl_status gl_graph_fold(gl_graph *g);
void gl_graph_plan(gl_graph *g);
void gl_graph_free(gl_graph *g);

/* Execution (exec.c). pixels (N,c,h,w) -> every activation. */
void gl_exec_forward(const gl_exec *e, const float *pixels);
/* From dscore (N, classes) down to tensor `stop` (-1: the pixels, into dpixels (N,c,h,w)). */
void gl_exec_backward(const gl_exec *e, const float *dscore, int stop, float *dpixels);

#endif
