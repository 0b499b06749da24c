/* A minimal protobuf wire-format reader: just what reading ONNX needs.
 *
 * A reader is a window [p, end) over the bytes. Every read checks bounds; the
 * first malformed byte sets `bad` and from then on every read returns zero, so
 * callers check `bad` once after a loop instead of after every call. */
#ifndef GL_PB_H
#define GL_PB_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *p, *end;
    int bad;
} gl_pb;

enum { GL_PB_VARINT = 0, GL_PB_I64 = 1, GL_PB_LEN = 2, GL_PB_I32 = 5 };

gl_pb gl_pb_reader(const uint8_t *bytes, size_t n);
/* Reads the next field key. Returns 0 at the end of the window or on error. */
int gl_pb_next(gl_pb *r, uint32_t *field, uint32_t *wire);
uint64_t gl_pb_varint(gl_pb *r);
uint32_t gl_pb_fixed32(gl_pb *r);
uint64_t gl_pb_fixed64(gl_pb *r);
/* A length-delimited field as a sub-reader (strings, bytes, messages, packed arrays). */
gl_pb gl_pb_len(gl_pb *r);
void gl_pb_skip(gl_pb *r, uint32_t wire);
size_t gl_pb_remaining(const gl_pb *r);

#endif
