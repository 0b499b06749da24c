/* simd.h emulated with 4 scalar lanes: the native test build and the baseline wasm build.
 * Same names and lane semantics as simd_wasm.h, so a kernel's result does not depend on
 * which of the two it was compiled against (up to the sign of zero in max/min). */
#ifndef GL_SIMD_SCALAR_H
#define GL_SIMD_SCALAR_H

#include <stdint.h>
#include <string.h>

typedef struct { float f[4]; } gl_v4f;
typedef struct { int m[4]; } gl_v4m;

static inline gl_v4f gl_v4f_load(const float *p) {
    gl_v4f v = {{p[0], p[1], p[2], p[3]}};
    return v;
}
static inline void gl_v4f_store(float *p, gl_v4f v) {
    for (int i = 0; i < 4; i++) p[i] = v.f[i];
}
static inline gl_v4f gl_v4f_splat(float x) {
    gl_v4f v = {{x, x, x, x}};
    return v;
}
static inline gl_v4f gl_v4f_zero(void) { return gl_v4f_splat(0.0f); }

static inline gl_v4f gl_v4f_add(gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] += b.f[i];
    return a;
}
static inline gl_v4f gl_v4f_sub(gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] -= b.f[i];
    return a;
}
static inline gl_v4f gl_v4f_mul(gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] *= b.f[i];
    return a;
}
static inline gl_v4f gl_v4f_div(gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] /= b.f[i];
    return a;
}
static inline gl_v4f gl_v4f_abs(gl_v4f a) {
    uint32_t bits[4];
    memcpy(bits, a.f, sizeof bits);
    for (int i = 0; i < 4; i++) bits[i] &= 0x7fffffffu;
    memcpy(a.f, bits, sizeof bits);
    return a;
}
/* x != x is the NaN test: wasm f32x4.max propagates NaN from either side. */
static inline gl_v4f gl_v4f_max(gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] = (a.f[i] > b.f[i] || a.f[i] != a.f[i]) ? a.f[i] : b.f[i];
    return a;
}
static inline gl_v4f gl_v4f_pmax(gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] = a.f[i] < b.f[i] ? b.f[i] : a.f[i];
    return a;
}
static inline gl_v4f gl_v4f_pmin(gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] = b.f[i] < a.f[i] ? b.f[i] : a.f[i];
    return a;
}

static inline gl_v4m gl_v4f_gt(gl_v4f a, gl_v4f b) {
    gl_v4m m;
    for (int i = 0; i < 4; i++) m.m[i] = a.f[i] > b.f[i];
    return m;
}
static inline gl_v4m gl_v4f_eq(gl_v4f a, gl_v4f b) {
    gl_v4m m;
    for (int i = 0; i < 4; i++) m.m[i] = a.f[i] == b.f[i];
    return m;
}
static inline gl_v4m gl_v4m_none(void) {
    gl_v4m m = {{0, 0, 0, 0}};
    return m;
}
static inline gl_v4m gl_v4m_or(gl_v4m a, gl_v4m b) {
    for (int i = 0; i < 4; i++) a.m[i] = a.m[i] || b.m[i];
    return a;
}
/* a and not b */
static inline gl_v4m gl_v4m_andnot(gl_v4m a, gl_v4m b) {
    for (int i = 0; i < 4; i++) a.m[i] = a.m[i] && !b.m[i];
    return a;
}
static inline gl_v4f gl_v4f_select(gl_v4m m, gl_v4f a, gl_v4f b) {
    for (int i = 0; i < 4; i++) a.f[i] = m.m[i] ? a.f[i] : b.f[i];
    return a;
}

static inline float gl_v4f_hsum(gl_v4f v) { return (v.f[0] + v.f[2]) + (v.f[1] + v.f[3]); }

static inline gl_v4f gl_v4f_even(gl_v4f a, gl_v4f b) {
    gl_v4f v = {{a.f[0], a.f[2], b.f[0], b.f[2]}};
    return v;
}
static inline gl_v4f gl_v4f_odd(gl_v4f a, gl_v4f b) {
    gl_v4f v = {{a.f[1], a.f[3], b.f[1], b.f[3]}};
    return v;
}
static inline gl_v4f gl_v4f_zip_lo(gl_v4f a, gl_v4f b) {
    gl_v4f v = {{a.f[0], b.f[0], a.f[1], b.f[1]}};
    return v;
}
static inline gl_v4f gl_v4f_zip_hi(gl_v4f a, gl_v4f b) {
    gl_v4f v = {{a.f[2], b.f[2], a.f[3], b.f[3]}};
    return v;
}
static inline gl_v4f gl_v4f_shl_bits(gl_v4f a, int k) {
    uint32_t bits[4];
    memcpy(bits, a.f, sizeof bits);
    for (int i = 0; i < 4; i++) bits[i] <<= k;
    memcpy(a.f, bits, sizeof bits);
    return a;
}

#endif
