/* The engine's seeded random numbers: splitmix64, chosen because it is a few
 * lines of integer arithmetic that the fixture script reproduces bit-exactly in
 * Python, so tests can replay the same noise and jitter in PyTorch. */
#ifndef GL_RNG_H
#define GL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct gl_rng {
    uint64_t state;
} gl_rng;

/* Replaces v (n) by draws of N(mean(v), std(v)^2): a layer re-initialized with
 * the spread of its trained weights (Adebayo et al. 2018's sanity check). */
void gl_rng_redraw(gl_rng *r, float *v, size_t n);

uint64_t gl_rng_next(gl_rng *r);
/* (next >> 40) * 2^-24: 24 random bits, a float in [0, 1). */
float gl_rng_uniform(gl_rng *r);
/* n standard normal floats by Box-Muller pairs (z0 = r cos, z1 = r sin). */
void gl_rng_gaussian(gl_rng *r, float *out, size_t n);

#endif
