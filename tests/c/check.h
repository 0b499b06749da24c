/* Minimal test harness: CHECK macros that count and report, a context line printed with
 * each failure, a seeded RNG, and a summary that ends every test program:
 *
 *     CHECK_CONTEXT("gemm M=%d", M);      // printed with any later failure
 *     CHECK(y == 3, "y = %d", y);
 *     CHECK_CLOSE_REL(got, want, n, 1e-5);  // relative L2 error of float arrays
 *     return check_summary();               // prints "N passed, N failed"; 1 if any failed
 *
 * Header only (static inline): include it from exactly one file per test program. */
#ifndef GL_CHECK_H
#define GL_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    int passed, failed;
    char context[256];
} check_state;

static inline check_state *check_get(void) {
    static check_state s;
    return &s;
}

/* Counts one check; on failure prints where, and the current context, and returns 1 so
 * the caller prints its message. */
static inline int check_record(int ok, const char *file, int line) {
    check_state *s = check_get();
    if (ok) {
        s->passed++;
        return 0;
    }
    s->failed++;
    printf("FAIL %s:%d [%s] ", file, line, s->context);
    return 1;
}

#define CHECK_CONTEXT(...) snprintf(check_get()->context, sizeof check_get()->context, __VA_ARGS__)

#define CHECK(cond, ...)                                       \
    do {                                                       \
        if (check_record((cond) ? 1 : 0, __FILE__, __LINE__)) { \
            printf(__VA_ARGS__);                               \
            printf("\n");                                      \
        }                                                      \
    } while (0)

/* ||a - b|| / max(||a||, ||b||) over the entries that differ in value: entries that are
 * equal (including equal infinities) or both NaN agree exactly; an entry where only one
 * side is non-finite makes the error infinite. */
static inline double check_rel_l2(const float *a, const float *b, size_t n) {
    double d = 0.0, na = 0.0, nb = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))) {
            if (isfinite(a[i])) na += (double)a[i] * a[i], nb += (double)b[i] * b[i];
            continue;
        }
        if (!isfinite(a[i]) || !isfinite(b[i])) return INFINITY;
        double e = (double)a[i] - b[i];
        d += e * e, na += (double)a[i] * a[i], nb += (double)b[i] * b[i];
    }
    double norm = sqrt(na > nb ? na : nb);
    return d == 0.0 ? 0.0 : sqrt(d) / norm;
}

#define CHECK_CLOSE_REL(a, b, n, tol)                                                         \
    do {                                                                                      \
        double check_e_ = check_rel_l2((a), (b), (n));                                        \
        CHECK(check_e_ <= (tol), "%s vs %s: relative L2 error %g > %g", #a, #b, check_e_, (double)(tol)); \
    } while (0)

/* Prints the totals line test runners look for; the exit status of the test program. */
static inline int check_summary(void) {
    check_state *s = check_get();
    printf("%d passed, %d failed\n", s->passed, s->failed);
    return s->failed != 0;
}

/* xorshift64*: seeded, the same sequence in every build. */
static inline uint32_t check_rand_u32(uint64_t *state) {
    *state ^= *state >> 12, *state ^= *state << 25, *state ^= *state >> 27;
    return (uint32_t)((*state * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Uniform in [lo, hi). */
static inline float check_rand_float(uint64_t *state, float lo, float hi) {
    return lo + (hi - lo) * (float)(check_rand_u32(state) >> 8) * (1.0f / 16777216.0f);
}

/* Uniform integer in [lo, hi]. */
static inline int check_rand_int(uint64_t *state, int lo, int hi) {
    return lo + (int)(check_rand_u32(state) % (uint32_t)(hi - lo + 1));
}

#endif
