#include "CKernels.h"

// A NaN in the window wins, as in the general Swift loop; written so the compiler can
// vectorize it with a compare and a blend.
static inline float nan_max(float best, float value) { return (value > best || value != value) ? value : best; }

enum { COLUMNS = 1024, MAX_KERNEL_WIDTH = 64 };

void qt_maxpool_plane(const float *input, int in_w, int k_h, int k_w, int stride_h, int stride_w,
                      float *output, int out_h, int out_w) {
    // Per output row: the column maxima over the window's rows, then the maxima along each window.
    // A chunk of output columns whose input span, (chunk - 1)·stride_w + k_w, fits the buffer.
    float columns[COLUMNS + MAX_KERNEL_WIDTH];
    int chunk = COLUMNS / stride_w;
    if (chunk < 1) chunk = 1;
    if (chunk > 256) chunk = 256;
    for (int oh = 0; oh < out_h; oh++) {
        const float *top = input + (size_t)oh * stride_h * in_w;
        for (int ow0 = 0; ow0 < out_w; ow0 += chunk) {
            const int count = out_w - ow0 < chunk ? out_w - ow0 : chunk;
            const int span = (count - 1) * stride_w + k_w;
            const float *first = top + (size_t)ow0 * stride_w;
            for (int x = 0; x < span; x++) columns[x] = first[x];
            for (int r = 1; r < k_h; r++) {
                const float *row = first + (size_t)r * in_w;
                for (int x = 0; x < span; x++) columns[x] = nan_max(columns[x], row[x]);
            }
            float *out = output + (size_t)oh * out_w + ow0;
            if (k_w == 2 && stride_w == 2) {
                for (int i = 0; i < count; i++) out[i] = nan_max(columns[2 * i], columns[2 * i + 1]);
            } else {
                for (int i = 0; i < count; i++) {
                    float best = columns[i * stride_w];
                    for (int k = 1; k < k_w; k++) best = nan_max(best, columns[i * stride_w + k]);
                    out[i] = best;
                }
            }
        }
    }
}
