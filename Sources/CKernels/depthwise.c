#include "CKernels.h"

// Output columns whose whole kernel window lies inside the input take the branch-free loop,
// which the compiler vectorizes; only the border columns check bounds.
void qt_depthwise_plane(const float *input, int in_h, int in_w, const float *weight, int k_h, int k_w,
                        float bias, float *output, int out_h, int out_w, int stride_h, int stride_w,
                        int pad_top, int pad_left, int dilation_h, int dilation_w) {
    int ow_begin = 0, ow_end = out_w;
    while (ow_begin < out_w && ow_begin * stride_w - pad_left < 0) ow_begin++;
    while (ow_end > ow_begin && (ow_end - 1) * stride_w - pad_left + (k_w - 1) * dilation_w >= in_w) ow_end--;
    for (int oh = 0; oh < out_h; oh++) {
        float *out = output + (size_t)oh * out_w;
        for (int ow = 0; ow < out_w; ow++) out[ow] = bias;
        for (int kh = 0; kh < k_h; kh++) {
            const int ih = oh * stride_h - pad_top + kh * dilation_h;
            if (ih < 0 || ih >= in_h) continue;
            const float *in_row = input + (size_t)ih * in_w;
            for (int kw = 0; kw < k_w; kw++) {
                const float w = weight[kh * k_w + kw];
                const int shift = kw * dilation_w - pad_left;
                for (int ow = 0; ow < ow_begin; ow++) {
                    const int iw = ow * stride_w + shift;
                    if (iw >= 0 && iw < in_w) out[ow] += w * in_row[iw];
                }
                if (stride_w == 1) {
                    const float *src = in_row + shift;
                    for (int ow = ow_begin; ow < ow_end; ow++) out[ow] += w * src[ow];
                } else {
                    for (int ow = ow_begin; ow < ow_end; ow++) out[ow] += w * in_row[ow * stride_w + shift];
                }
                for (int ow = ow_end > ow_begin ? ow_end : ow_begin; ow < out_w; ow++) {
                    const int iw = ow * stride_w + shift;
                    if (iw >= 0 && iw < in_w) out[ow] += w * in_row[iw];
                }
            }
        }
    }
}
