/* The smooth and hard gates on simd.h: sigmoid (SE gates, SiLU = x * sigmoid(x)),
 * hard sigmoid and hard swish (MobileNet v3). One vector per step (memory bound), the
 * ragged tail through the *_ref kernel as in eltwise_vec.c, except for sigmoid, whose
 * vector and reference values differ by an ulp or two.
 *
 * wasm SIMD has no exp: sigmoid computes e = exp(-|x|) itself. With n = round(-|x| / ln 2)
 * and r = -|x| - n ln 2 (ln 2 split in two so n ln 2 is exact), e = 2^n * p(r), p a
 * degree-5 fit of exp on [-ln2/2, ln2/2] (relative error 1.7e-7). Rounding uses the
 * 1.5 * 2^23 trick: adding it leaves n in the low mantissa bits, and with 127 more the
 * bits shifted left by 23 are the float 2^n. sigmoid(x) = e / (1 + e) for x <= 0 and
 * 1 / (1 + e) for x > 0: no cancellation on either side. */
#include <string.h>

#include "kernels.h"
#include "simd.h"

static gl_v4f sigmoid4(gl_v4f x) {
    const gl_v4f log2e = gl_v4f_splat(0x1.715476p+0f), magic = gl_v4f_splat(0x1.8p23f + 127.0f);
    const gl_v4f ln2_hi = gl_v4f_splat(0x1.62e4p-1f), ln2_lo = gl_v4f_splat(0x1.7f7d1cp-20f);
    const gl_v4f c1 = gl_v4f_splat(0x1.fffffp-1f), c2 = gl_v4f_splat(0x1.fffdcp-2f), c3 = gl_v4f_splat(0x1.555cecp-3f);
    const gl_v4f c4 = gl_v4f_splat(0x1.573c02p-5f), c5 = gl_v4f_splat(0x1.0eb6bep-7f), one = gl_v4f_splat(1.0f);
    gl_v4f z = gl_v4f_sub(gl_v4f_zero(), gl_v4f_abs(x));               // z = -|x| <= 0
    gl_v4f m = gl_v4f_add(gl_v4f_mul(z, log2e), magic);               // n + 127 in the low bits
    gl_v4f s = gl_v4f_shl_bits(m, 23);                                // 2^n
    gl_v4f n = gl_v4f_sub(m, magic);
    gl_v4f r = gl_v4f_sub(gl_v4f_sub(z, gl_v4f_mul(n, ln2_hi)), gl_v4f_mul(n, ln2_lo));
    gl_v4f p = gl_v4f_add(gl_v4f_mul(c5, r), c4);
    p = gl_v4f_add(gl_v4f_mul(p, r), c3);
    p = gl_v4f_add(gl_v4f_mul(p, r), c2);
    p = gl_v4f_add(gl_v4f_mul(p, r), c1);
    gl_v4f e = gl_v4f_add(gl_v4f_mul(gl_v4f_mul(p, r), s), s);         // 2^n (1 + r p(r))
    // below -87.3, 2^n is no longer a normal float: exp(z) is 0 to float precision
    e = gl_v4f_select(gl_v4f_gt(gl_v4f_splat(-0x1.5d589ep+6f), z), gl_v4f_zero(), e);
    gl_v4f d = gl_v4f_add(e, one);
    return gl_v4f_select(gl_v4f_gt(x, gl_v4f_zero()), gl_v4f_div(one, d), gl_v4f_div(e, d));
}

void gl_sigmoid_vec(const float *x, size_t n, float *y) {
    // x (n), y (n)
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl_v4f_store(y + i, sigmoid4(gl_v4f_load(x + i)));
    if (i == n) return;
    // the tail through the same polynomial, not expf: an element's value must not depend
    // on where it sits (a batch gives what its images give one at a time)
    float tail[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(tail, x + i, (n - i) * sizeof(float));
    gl_v4f_store(tail, sigmoid4(gl_v4f_load(tail)));
    memcpy(y + i, tail, (n - i) * sizeof(float));
}

void gl_sigmoid_backward_vec(const float *y, const float *dy, size_t n, float *dx) {
    // y (n), dy (n), dx (n)
    gl_v4f one = gl_v4f_splat(1.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gl_v4f v = gl_v4f_load(y + i), g = gl_v4f_mul(gl_v4f_mul(gl_v4f_load(dy + i), v), gl_v4f_sub(one, v));
        gl_v4f_store(dx + i, gl_v4f_add(gl_v4f_load(dx + i), g));
    }
    gl_sigmoid_backward_ref(y + i, dy + i, n - i, dx + i);
}

void gl_hardsigmoid_vec(const float *x, float alpha, float beta, size_t n, float *y) {
    // x (n), y (n)
    gl_v4f va = gl_v4f_splat(alpha), vb = gl_v4f_splat(beta), zero = gl_v4f_zero(), one = gl_v4f_splat(1.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        // the affine value as the first operand: a NaN passes through, as in the reference
        gl_v4f v = gl_v4f_add(gl_v4f_mul(va, gl_v4f_load(x + i)), vb);
        gl_v4f_store(y + i, gl_v4f_pmin(gl_v4f_pmax(v, zero), one));
    }
    gl_hardsigmoid_ref(x + i, alpha, beta, n - i, y + i);
}

void gl_hardsigmoid_backward_vec(const float *y, const float *dy, float alpha, size_t n, float *dx) {
    // y (n), dy (n), dx (n)
    gl_v4f va = gl_v4f_splat(alpha), zero = gl_v4f_zero(), one = gl_v4f_splat(1.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gl_v4f v = gl_v4f_load(y + i), g = gl_v4f_mul(va, gl_v4f_load(dy + i));
        g = gl_v4f_select(gl_v4f_gt(v, zero), g, zero);
        g = gl_v4f_select(gl_v4f_gt(one, v), g, zero);
        gl_v4f_store(dx + i, gl_v4f_add(gl_v4f_load(dx + i), g));
    }
    gl_hardsigmoid_backward_ref(y + i, dy + i, alpha, n - i, dx + i);
}

void gl_hardswish_vec(const float *x, size_t n, float *y) {
    // x (n), y (n)
    gl_v4f three = gl_v4f_splat(3.0f), six = gl_v4f_splat(6.0f), zero = gl_v4f_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gl_v4f v = gl_v4f_load(x + i);
        gl_v4f g = gl_v4f_pmin(gl_v4f_pmax(gl_v4f_add(v, three), zero), six);
        gl_v4f_store(y + i, gl_v4f_div(gl_v4f_mul(v, g), six));
    }
    gl_hardswish_ref(x + i, n - i, y + i);
}

void gl_hardswish_backward_vec(const float *x, const float *dy, size_t n, float *dx) {
    // x (n), dy (n), dx (n)
    gl_v4f three = gl_v4f_splat(3.0f), minus_three = gl_v4f_splat(-3.0f), half = gl_v4f_splat(0.5f);
    gl_v4f zero = gl_v4f_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gl_v4f v = gl_v4f_load(x + i), d = gl_v4f_load(dy + i);
        gl_v4f ramp = gl_v4f_mul(d, gl_v4f_add(gl_v4f_div(v, three), half));
        gl_v4f g = gl_v4f_select(gl_v4f_gt(v, three), d, ramp);       // x <= 3: the ramp
        g = gl_v4f_select(gl_v4f_gt(minus_three, v), zero, g);         // x < -3: nothing
        gl_v4f_store(dx + i, gl_v4f_add(gl_v4f_load(dx + i), g));
    }
    gl_hardswish_backward_ref(x + i, dy + i, n - i, dx + i);
}
