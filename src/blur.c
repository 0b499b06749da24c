#include "blur.h"

#include <math.h>
#include <stddef.h>

enum { MAX_RADIUS = 64 };

/* scipy's "reflect": (d c b a | a b c d | d c b a), repeated for short lines. */
static int reflect(int i, int n) {
    for (;;) {
        if (i < 0) i = -i - 1;
        else if (i >= n) i = 2 * n - i - 1;
        else return i;
    }
}

/* One pass along lines of length n, `count` lines, elements `step` apart and lines `jump` apart. */
static void blur_lines(const float *in, float *out, int n, int count, int step, int jump, const double *w, int r) {
    for (int l = 0; l < count; l++) {
        const float *src = in + (size_t)l * jump;
        float *dst = out + (size_t)l * jump;
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int k = -r; k <= r; k++) acc += w[k + r] * src[(size_t)reflect(i + k, n) * step];
            dst[(size_t)i * step] = (float)acc;
        }
    }
}

void gl_gaussian_blur(float *x, int C, int H, int W, float sigma, float *tmp) {
    int r = (int)(4.0 * sigma + 0.5);
    if (r > MAX_RADIUS) r = MAX_RADIUS;
    if (r < 1 || !(sigma > 0)) return;
    double w[2 * MAX_RADIUS + 1], sum = 0;
    for (int k = -r; k <= r; k++) sum += w[k + r] = exp(-0.5 * k * k / ((double)sigma * sigma));
    for (int k = 0; k <= 2 * r; k++) w[k] /= sum;
    for (int c = 0; c < C; c++) {
        float *plane = x + (size_t)c * H * W;
        blur_lines(plane, tmp, H, W, W, 1, w, r);     /* along H: W columns */
        blur_lines(tmp, plane, W, H, 1, W, w, r);     /* along W: H rows */
    }
}
