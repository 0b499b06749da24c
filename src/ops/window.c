/* The 2-D window geometry that Conv, MaxPool and AveragePool share. */
#include <string.h>

#include "../ops.h"
#include "../status.h"

static int out_size(int in, int pad_sum, int k, int dil, int stride, int ceil_mode, int pad_begin) {
    int span = (k - 1) * dil + 1, room = in + pad_sum - span;
    if (room < 0) return 0;
    int out = (ceil_mode ? (room + stride - 1) / stride : room / stride) + 1;
    /* PyTorch's rule: the last window must start inside the input or its left padding. */
    if (ceil_mode && (out - 1) * stride >= in + pad_begin) out--;
    return out;
}

gl_status gl_spatial_window(const gl_build *b, const gl_tensor *x, int KH, int KW, int allow_ceil,
                            gl_window *win, int *pad_bottom, int *pad_right) {
    if (x->ndim != 4) return gl_fail(GL_ERR_UNSUPPORTED, "only 2-D (NCHW) windows are supported; input '%s' has %d dimensions", x->name, x->ndim);
    int64_t strides[2] = {1, 1}, dil[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
    if (gl_attr_ints(b, "strides", strides, 2) > 2 || gl_attr_ints(b, "dilations", dil, 2) > 2 ||
        gl_attr_ints(b, "pads", pads, 4) > 4)
        return gl_fail(GL_ERR_UNSUPPORTED, "only 2-D windows are supported");
    int64_t ceil_mode = gl_attr_int(b, "ceil_mode", 0);
    if (ceil_mode && !allow_ceil) return gl_fail(GL_ERR_MODEL, "ceil_mode is not an attribute of this operator");
    for (int k = 0; k < 2; k++)
        if (strides[k] < 1 || strides[k] > 64 || dil[k] < 1 || dil[k] > 64)
            return gl_fail(GL_ERR_MODEL, "strides and dilations must be between 1 and 64");
    for (int k = 0; k < 4; k++)
        if (pads[k] < 0 || pads[k] > 1024) return gl_fail(GL_ERR_MODEL, "pads must be between 0 and 1024");
    if (KH < 1 || KW < 1 || KH > 1024 || KW > 1024) return gl_fail(GL_ERR_MODEL, "kernel size %dx%d is invalid", KH, KW);

    int H = x->dims[2], W = x->dims[3], k2[2] = {KH, KW}, in2[2] = {H, W};
    const char *auto_pad = gl_attr_string(b, "auto_pad", "NOTSET");
    if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
        for (int k = 0; k < 2; k++) {
            int out = (in2[k] + (int)strides[k] - 1) / (int)strides[k];
            int total = (out - 1) * (int)strides[k] + (k2[k] - 1) * (int)dil[k] + 1 - in2[k];
            if (total < 0) total = 0;
            int small = total / 2, large = total - small;
            pads[k] = auto_pad[5] == 'U' ? small : large;     /* SAME_UPPER puts the extra pad at the end */
            pads[k + 2] = auto_pad[5] == 'U' ? large : small;
        }
    } else if (!strcmp(auto_pad, "VALID")) {
        memset(pads, 0, sizeof pads);
    } else if (strcmp(auto_pad, "NOTSET")) {
        return gl_fail(GL_ERR_MODEL, "unknown auto_pad '%s'", auto_pad);
    }
    win->H = H;
    win->W = W;
    win->KH = KH;
    win->KW = KW;
    win->SH = (int)strides[0];
    win->SW = (int)strides[1];
    win->DH = (int)dil[0];
    win->DW = (int)dil[1];
    win->PT = (int)pads[0];
    win->PL = (int)pads[1];
    win->OH = out_size(H, (int)(pads[0] + pads[2]), KH, win->DH, win->SH, (int)ceil_mode, win->PT);
    win->OW = out_size(W, (int)(pads[1] + pads[3]), KW, win->DW, win->SW, (int)ceil_mode, win->PL);
    if (win->OH < 1 || win->OW < 1)
        return gl_fail(GL_ERR_MODEL, "a %dx%d window does not fit the %dx%d input '%s'", KH, KW, H, W, x->name);
    *pad_bottom = (int)pads[2];
    *pad_right = (int)pads[3];
    return GL_OK;
}
