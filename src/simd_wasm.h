/* simd.h for wasm SIMD128 (emcc -msimd128). No relaxed-simd, no FMA: emcc 3.1.6. */
#ifndef GL_SIMD_WASM_H
#define GL_SIMD_WASM_H

#include <wasm_simd128.h>

typedef v128_t gl_v4f;
typedef v128_t gl_v4m;

static inline gl_v4f gl_v4f_load(const float *p) { return wasm_v128_load(p); }
static inline void gl_v4f_store(float *p, gl_v4f v) { wasm_v128_store(p, v); }
static inline gl_v4f gl_v4f_splat(float x) { return wasm_f32x4_splat(x); }
static inline gl_v4f gl_v4f_zero(void) { return wasm_f32x4_const_splat(0.0f); }

static inline gl_v4f gl_v4f_add(gl_v4f a, gl_v4f b) { return wasm_f32x4_add(a, b); }
static inline gl_v4f gl_v4f_sub(gl_v4f a, gl_v4f b) { return wasm_f32x4_sub(a, b); }
static inline gl_v4f gl_v4f_mul(gl_v4f a, gl_v4f b) { return wasm_f32x4_mul(a, b); }
static inline gl_v4f gl_v4f_div(gl_v4f a, gl_v4f b) { return wasm_f32x4_div(a, b); }
static inline gl_v4f gl_v4f_abs(gl_v4f a) { return wasm_f32x4_abs(a); }
static inline gl_v4f gl_v4f_max(gl_v4f a, gl_v4f b) { return wasm_f32x4_max(a, b); }
static inline gl_v4f gl_v4f_pmax(gl_v4f a, gl_v4f b) { return wasm_f32x4_pmax(a, b); }
static inline gl_v4f gl_v4f_pmin(gl_v4f a, gl_v4f b) { return wasm_f32x4_pmin(a, b); }

static inline gl_v4m gl_v4f_gt(gl_v4f a, gl_v4f b) { return wasm_f32x4_gt(a, b); }
static inline gl_v4m gl_v4f_eq(gl_v4f a, gl_v4f b) { return wasm_f32x4_eq(a, b); }
static inline gl_v4m gl_v4m_none(void) { return wasm_i32x4_const_splat(0); }
static inline gl_v4m gl_v4m_or(gl_v4m a, gl_v4m b) { return wasm_v128_or(a, b); }
/* a and not b */
static inline gl_v4m gl_v4m_andnot(gl_v4m a, gl_v4m b) { return wasm_v128_andnot(a, b); }
static inline gl_v4f gl_v4f_select(gl_v4m m, gl_v4f a, gl_v4f b) { return wasm_v128_bitselect(a, b, m); }

static inline float gl_v4f_hsum(gl_v4f v) {
    gl_v4f t = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    return wasm_f32x4_extract_lane(t, 0) + wasm_f32x4_extract_lane(t, 1);
}

static inline gl_v4f gl_v4f_even(gl_v4f a, gl_v4f b) { return wasm_i32x4_shuffle(a, b, 0, 2, 4, 6); }
static inline gl_v4f gl_v4f_odd(gl_v4f a, gl_v4f b) { return wasm_i32x4_shuffle(a, b, 1, 3, 5, 7); }
static inline gl_v4f gl_v4f_zip_lo(gl_v4f a, gl_v4f b) { return wasm_i32x4_shuffle(a, b, 0, 4, 1, 5); }
static inline gl_v4f gl_v4f_zip_hi(gl_v4f a, gl_v4f b) { return wasm_i32x4_shuffle(a, b, 2, 6, 3, 7); }
static inline gl_v4f gl_v4f_shl_bits(gl_v4f a, int k) { return wasm_i32x4_shl(a, (uint32_t)k); }

#endif
