/* 4-lane float SIMD abstraction for the *_vec kernels.
 *
 * One header per ISA, identical names (XNNPACK style): wasm SIMD128 when the compiler
 * targets it (emcc -msimd128), otherwise a portable 4-float struct, so the same kernel
 * source builds natively (gcc/clang tests) and in the baseline (non-SIMD) wasm build.
 *
 *   gl_v4f                 4 floats;  gl_v4m  a lane mask (from a comparison)
 *   gl_v4f_load/store      any alignment
 *   gl_v4f_splat, gl_v4f_zero
 *   gl_v4f_add/sub/mul/div lane-wise IEEE;  gl_v4f_abs(v) clears the sign bits
 *   gl_v4f_max(a, b)       lane-wise, NaN in either operand gives NaN (sign of zero unspecified)
 *   gl_v4f_pmax(a, b)      a < b ? b : a;  gl_v4f_pmin(a, b) = b < a ? b : a: one instruction on
 *                          x86, where max is a NaN-fixing sequence; NaN propagates from a only
 *   gl_v4f_gt(a, b)        mask a > b;  gl_v4f_select(m, a, b) = m ? a : b
 *   gl_v4f_hsum(v)         (v0 + v2) + (v1 + v3): the same rounding in both ISAs
 *   gl_v4f_even(a, b)      a0 a2 b0 b2: the stride-2 half of two consecutive loads
 *   gl_v4f_odd(a, b)       a1 a3 b1 b3: the other half
 *   gl_v4f_zip_lo/hi(a,b)  a0 b0 a1 b1 / a2 b2 a3 b3: the inverse of a stride-2 split
 *   gl_v4f_shl_bits(v, k)  each lane's 32 bits shifted left by k (builds powers of two for exp)
 */
#ifndef GL_SIMD_H
#define GL_SIMD_H

#if defined(__wasm_simd128__)
#include "simd_wasm.h"
#else
#include "simd_scalar.h"
#endif

#endif
