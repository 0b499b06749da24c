/* Separable Gaussian blur with scipy.ndimage's defaults (truncate 4, mode
 * "reflect"), as cs231n's blur_image uses: rows (H) first, then columns (W). */
#ifndef GL_BLUR_H
#define GL_BLUR_H

/* Blurs each of the C planes of x (C,H,W) in place; tmp holds H*W floats. */
void gl_gaussian_blur(float *x, int C, int H, int W, float sigma, float *tmp);

#endif
