#include "pb.h"

#include <string.h>

gl_pb gl_pb_reader(const uint8_t *bytes, size_t n) {
    gl_pb r = {bytes, bytes + n, 0};
    return r;
}

size_t gl_pb_remaining(const gl_pb *r) { return (size_t)(r->end - r->p); }

uint64_t gl_pb_varint(gl_pb *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->bad || r->p >= r->end) break;
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    r->bad = 1;
    return 0;
}

uint32_t gl_pb_fixed32(gl_pb *r) {
    if (r->bad || gl_pb_remaining(r) < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v;
    memcpy(&v, r->p, 4); /* protobuf is little-endian, as is wasm */
    r->p += 4;
    return v;
}

uint64_t gl_pb_fixed64(gl_pb *r) {
    uint64_t lo = gl_pb_fixed32(r);
    return lo | (uint64_t)gl_pb_fixed32(r) << 32;
}

gl_pb gl_pb_len(gl_pb *r) {
    uint64_t n = gl_pb_varint(r);
    gl_pb sub = {r->p, r->p, 1};
    if (r->bad || n > gl_pb_remaining(r)) {
        r->bad = 1;
        return sub;
    }
    sub.end = r->p + n;
    sub.bad = 0;
    r->p += n;
    return sub;
}

void gl_pb_skip(gl_pb *r, uint32_t wire) {
    switch (wire) {
    case GL_PB_VARINT: gl_pb_varint(r); break;
    case GL_PB_I64: gl_pb_fixed64(r); break;
    case GL_PB_LEN: gl_pb_len(r); break;
    case GL_PB_I32: gl_pb_fixed32(r); break;
    default: r->bad = 1; /* groups (3, 4) are not used by ONNX */
    }
}

int gl_pb_next(gl_pb *r, uint32_t *field, uint32_t *wire) {
    if (r->bad || r->p >= r->end) return 0;
    uint64_t key = gl_pb_varint(r);
    *field = (uint32_t)(key >> 3);
    *wire = (uint32_t)(key & 7);
    if (r->bad || *field == 0 || key >> 32) {
        r->bad = 1;
        return 0;
    }
    return 1;
}
