/* Elementwise and reduction kernels on simd.h. Elementwise kernels step one vector at a
 * time (they are memory bound); reductions step two, so two independent add chains hide
 * the add latency. The ragged tail goes through the *_ref kernel, so the scalar
 * semantics live in one place. */
#include "kernels.h"
#include "simd.h"

void gl_clamp_vec(const float *x, float lo, float hi, size_t n, float *y) {
    // x (n), y (n)
    gl_v4f vlo = gl_v4f_splat(lo), vhi = gl_v4f_splat(hi);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        // x as the first operand: a NaN passes through, as in the reference
        gl_v4f_store(y + i, gl_v4f_pmin(gl_v4f_pmax(gl_v4f_load(x + i), vlo), vhi));
    }
    gl_clamp_ref(x + i, lo, hi, n - i, y + i);
}

void gl_clamp_backward_vec(const float *x, const float *dy, float lo, float hi, int guided, int accumulate, size_t n,
                           float *dx) {
    // x (n), dy (n), dx (n)
    gl_v4f vlo = gl_v4f_splat(lo), vhi = gl_v4f_splat(hi), zero = gl_v4f_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gl_v4f v = gl_v4f_load(x + i), d = gl_v4f_load(dy + i);
        gl_v4f g = gl_v4f_select(gl_v4f_gt(v, vlo), d, zero);
        g = gl_v4f_select(gl_v4f_gt(vhi, v), g, zero);
        if (guided) g = gl_v4f_select(gl_v4f_gt(d, zero), g, zero);
        gl_v4f_store(dx + i, accumulate ? gl_v4f_add(gl_v4f_load(dx + i), g) : g);
    }
    gl_clamp_backward_ref(x + i, dy + i, lo, hi, guided, accumulate, n - i, dx + i);
}

void gl_leaky_relu_vec(const float *x, float alpha, size_t n, float *y) {
    // x (n), y (n)
    gl_v4f va = gl_v4f_splat(alpha), zero = gl_v4f_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gl_v4f v = gl_v4f_load(x + i);
        gl_v4f_store(y + i, gl_v4f_select(gl_v4f_gt(v, zero), v, gl_v4f_mul(va, v)));
    }
    gl_leaky_relu_ref(x + i, alpha, n - i, y + i);
}

void gl_leaky_relu_backward_vec(const float *x, const float *dy, float alpha, size_t n, float *dx) {
    // x (n), dy (n), dx (n)
    gl_v4f va = gl_v4f_splat(alpha), zero = gl_v4f_zero();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        gl_v4f g = gl_v4f_load(dy + i);
        g = gl_v4f_select(gl_v4f_gt(gl_v4f_load(x + i), zero), g, gl_v4f_mul(va, g));
        gl_v4f_store(dx + i, gl_v4f_add(gl_v4f_load(dx + i), g));
    }
    gl_leaky_relu_backward_ref(x + i, dy + i, alpha, n - i, dx + i);
}

void gl_affine_vec(const float *x, float a, float b, size_t n, float *y) {
    // x (n), y (n)
    gl_v4f va = gl_v4f_splat(a), vb = gl_v4f_splat(b);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl_v4f_store(y + i, gl_v4f_add(gl_v4f_mul(va, gl_v4f_load(x + i)), vb));
    gl_affine_ref(x + i, a, b, n - i, y + i);
}

void gl_axpy_vec(float a, const float *x, size_t n, float *y) {
    // x (n), y (n)
    gl_v4f va = gl_v4f_splat(a);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        gl_v4f_store(y + i, gl_v4f_add(gl_v4f_load(y + i), gl_v4f_mul(va, gl_v4f_load(x + i))));
    gl_axpy_ref(a, x + i, n - i, y + i);
}

void gl_add_vec(const float *a, const float *b, size_t n, float *y) {
    // a (n), b (n), y (n); y may alias a or b: each lane is read before it is written
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl_v4f_store(y + i, gl_v4f_add(gl_v4f_load(a + i), gl_v4f_load(b + i)));
    gl_add_ref(a + i, b + i, n - i, y + i);
}

void gl_mul_vec(const float *a, const float *b, size_t n, float *y) {
    // a (n), b (n), y (n); y may alias a or b: each lane is read before it is written
    size_t i = 0;
    for (; i + 4 <= n; i += 4) gl_v4f_store(y + i, gl_v4f_mul(gl_v4f_load(a + i), gl_v4f_load(b + i)));
    gl_mul_ref(a + i, b + i, n - i, y + i);
}

void gl_mul_add_vec(const float *a, const float *b, size_t n, float *y) {
    // a (n), b (n), y (n)
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        gl_v4f_store(y + i, gl_v4f_add(gl_v4f_load(y + i), gl_v4f_mul(gl_v4f_load(a + i), gl_v4f_load(b + i))));
    gl_mul_add_ref(a + i, b + i, n - i, y + i);
}

float gl_dot_vec(const float *a, const float *b, size_t n) {
    // a (n), b (n)
    gl_v4f s0 = gl_v4f_zero(), s1 = gl_v4f_zero();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 = gl_v4f_add(s0, gl_v4f_mul(gl_v4f_load(a + i), gl_v4f_load(b + i)));
        s1 = gl_v4f_add(s1, gl_v4f_mul(gl_v4f_load(a + i + 4), gl_v4f_load(b + i + 4)));
    }
    return gl_v4f_hsum(gl_v4f_add(s0, s1)) + gl_dot_ref(a + i, b + i, n - i);
}

float gl_sum_vec(const float *x, size_t n) {
    // x (n)
    gl_v4f s0 = gl_v4f_zero(), s1 = gl_v4f_zero();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 = gl_v4f_add(s0, gl_v4f_load(x + i));
        s1 = gl_v4f_add(s1, gl_v4f_load(x + i + 4));
    }
    return gl_v4f_hsum(gl_v4f_add(s0, s1)) + gl_sum_ref(x + i, n - i);
}

float gl_sumsq_vec(const float *x, size_t n) {
    // x (n)
    gl_v4f s0 = gl_v4f_zero(), s1 = gl_v4f_zero();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        gl_v4f u = gl_v4f_load(x + i), v = gl_v4f_load(x + i + 4);
        s0 = gl_v4f_add(s0, gl_v4f_mul(u, u));
        s1 = gl_v4f_add(s1, gl_v4f_mul(v, v));
    }
    return gl_v4f_hsum(gl_v4f_add(s0, s1)) + gl_sumsq_ref(x + i, n - i);
}
