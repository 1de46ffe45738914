// Float to quantized integers for whole tensors (weights at rewrite time): the division,
// rounding and clipping vectorize here, where Swift's rounding is a library call per value
// on the baseline x86-64 target.
#include "CKernels.h"
#include <math.h>

static inline int32_t quantize_one(float x, float scale, float zero_point, float qmin, float qmax) {
    // nearbyintf rounds half to even in the default rounding mode.
    const float shifted = nearbyintf(x / scale) + zero_point;
    if (shifted != shifted) return 0;
    return (int32_t)(shifted < qmin ? qmin : (shifted > qmax ? qmax : shifted));
}

__attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
void qt_quantize_f32(const float *x, size_t n, float scale, float zero_point, float qmin, float qmax,
                     void *out, int out_bytes) {
    switch (out_bytes) {
    case 1: {
        int8_t *y = out;
        for (size_t i = 0; i < n; i++) y[i] = (int8_t)quantize_one(x[i], scale, zero_point, qmin, qmax);
        break;
    }
    case 2: {
        int16_t *y = out;
        for (size_t i = 0; i < n; i++) y[i] = (int16_t)quantize_one(x[i], scale, zero_point, qmin, qmax);
        break;
    }
    default: {
        int32_t *y = out;
        for (size_t i = 0; i < n; i++) y[i] = quantize_one(x[i], scale, zero_point, qmin, qmax);
        break;
    }
    }
}
