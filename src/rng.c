#include "rng.h"

#include <math.h>

uint64_t gl_rng_next(gl_rng *r) {
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

float gl_rng_uniform(gl_rng *r) { return (float)(gl_rng_next(r) >> 40) * 0x1p-24f; }

void gl_rng_gaussian(gl_rng *r, float *out, size_t n) {
    const double two_pi = 6.283185307179586;
    for (size_t k = 0; k < n; k += 2) {
        double u1 = 1.0 - gl_rng_uniform(r), u2 = gl_rng_uniform(r); /* u1 in (0, 1]: log is finite */
        double rad = sqrt(-2.0 * log(u1));
        out[k] = (float)(rad * cos(two_pi * u2));
        if (k + 1 < n) out[k + 1] = (float)(rad * sin(two_pi * u2));
    }
}

void gl_rng_redraw(gl_rng *r, float *v, size_t n) {
    double sum = 0, sq = 0;
    for (size_t k = 0; k < n; k++) sum += v[k], sq += (double)v[k] * v[k];
    double mean = n ? sum / (double)n : 0, var = n ? sq / (double)n - mean * mean : 0;
    float std = var > 0 ? (float)sqrt(var) : 0.0f;
    gl_rng_gaussian(r, v, n);
    for (size_t k = 0; k < n; k++) v[k] = (float)mean + std * v[k];
}
