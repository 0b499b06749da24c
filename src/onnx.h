/* ONNX ModelProto reader: turns the protobuf bytes into plain C structs.
 *
 * Only what a CNN classifier needs is kept: the graph's nodes, initializers,
 * inputs and outputs, the default-domain opset. Tensor data is decoded here into
 * float32 (FLOAT, FLOAT16, DOUBLE) or int64 (INT64, INT32), from raw_data or the
 * typed fields alike, so nothing downstream knows about storage formats.
 * Everything is allocated in the caller's arena. Field numbers follow onnx.proto. */
#ifndef GL_ONNX_H
#define GL_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "gradlens.h"

enum { ONNX_MAX_DIMS = 8 };

/* TensorProto.DataType values the engine reads. */
enum {
    ONNX_FLOAT = 1, ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_FLOAT16 = 10, ONNX_DOUBLE = 11
};

typedef struct {
    const char *name;
    int dtype;                     /* as stored in the file */
    int ndim;
    int64_t dims[ONNX_MAX_DIMS];
    int64_t numel;
    float *f;                      /* decoded data for float types, else NULL */
    int64_t *i;                    /* decoded data for integer types, else NULL */
} onnx_tensor;

/* AttributeProto.AttributeType values. */
enum {
    ONNX_ATTR_FLOAT = 1, ONNX_ATTR_INT = 2, ONNX_ATTR_STRING = 3, ONNX_ATTR_TENSOR = 4,
    ONNX_ATTR_FLOATS = 6, ONNX_ATTR_INTS = 7
};

typedef struct {
    const char *name;
    int type;
    float f;
    int64_t i;
    const char *s;
    int n;              /* length of floats / ints */
    float *floats;
    int64_t *ints;
    onnx_tensor *t;
} onnx_attr;

typedef struct {
    const char *name, *op_type, *domain;
    int ninputs, noutputs, nattrs;
    const char **inputs, **outputs;   /* "" marks an omitted optional input */
    onnx_attr *attrs;
} onnx_node;

typedef struct {
    const char *name;
    int elem_type;
    int ndim;                          /* -1 when the shape is not given */
    int64_t dims[ONNX_MAX_DIMS];       /* 0 for a symbolic dimension */
} onnx_value_info;

typedef struct {
    int64_t ir_version;
    int64_t opset;                     /* default ("" / "ai.onnx") domain */
    const char *producer, *producer_version;
    int nnodes, ninits, ninputs, noutputs;
    onnx_node *nodes;
    onnx_tensor *inits;
    onnx_value_info *inputs, *outputs;
} onnx_model;

gl_status onnx_parse(const uint8_t *bytes, size_t n, gl_arena *arena, onnx_model *out);

const onnx_attr *onnx_find_attr(const onnx_node *node, const char *name);

float gl_half_to_float(uint16_t h);

#endif
