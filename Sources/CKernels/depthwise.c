#include "CKernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Output columns whose whole kernel window lies inside the input are computed in strips of
// 16 (then 4), with the partial sums held in registers across all kernel taps; only border
// columns check bounds.

static float border_value(const float *input, int in_h, int in_w, const float *weight, int k_h, int k_w, float bias,
                          int oh, int ow, int stride_h, int stride_w, int pad_top, int pad_left, int dilation_h, int dilation_w) {
    float sum = bias;
    for (int kh = 0; kh < k_h; kh++) {
        const int ih = oh * stride_h - pad_top + kh * dilation_h;
        if (ih < 0 || ih >= in_h) continue;
        for (int kw = 0; kw < k_w; kw++) {
            const int iw = ow * stride_w - pad_left + kw * dilation_w;
            if (iw >= 0 && iw < in_w) sum += weight[kh * k_w + kw] * input[(size_t)ih * in_w + iw];
        }
    }
    return sum;
}

// `width` (16 or 4) interior output columns from `ow`, partial sums in registers.
static inline __attribute__((always_inline))
void strip(const float *input, int in_h, int in_w, const float *weight, int k_h, int k_w, float bias, float *out,
           int oh, int ow, const int width, int stride_h, int stride_w, int pad_top, int pad_left,
           int dilation_h, int dilation_w) {
    float acc[16];
    for (int l = 0; l < width; l++) acc[l] = bias;
    for (int kh = 0; kh < k_h; kh++) {
        const int ih = oh * stride_h - pad_top + kh * dilation_h;
        if (ih < 0 || ih >= in_h) continue;
        const float *row = input + (size_t)ih * in_w + (size_t)ow * stride_w - pad_left;
        for (int kw = 0; kw < k_w; kw++) {
            const float w = weight[kh * k_w + kw];
            const float *src = row + kw * dilation_w;
            if (stride_w == 1) {
                for (int l = 0; l < width; l++) acc[l] += w * src[l];
            } else {
                for (int l = 0; l < width; l++) acc[l] += w * src[l * stride_w];
            }
        }
    }
    for (int l = 0; l < width; l++) out[ow + l] = acc[l];
}

#if defined(__x86_64__)
#include <stdlib.h>
#include <string.h>

static __thread float *padded_plane;
static __thread size_t padded_capacity;

// Sixteen values at `src` for output columns spaced `stride` (1 or 2) apart.
__attribute__((target("avx512f"), always_inline))
static inline __m512 load_strided(const float *src, int stride, __m512i even) {
    return stride == 1 ? _mm512_loadu_ps(src)
        : _mm512_permutex2var_ps(_mm512_loadu_ps(src), even, _mm512_maskz_loadu_ps(0x7fff, src + 16));
}

// The common 3×3 kernel: its nine weights stay in registers, each input row is loaded once per
// strip and used by every kernel row it feeds.
__attribute__((target("avx512f")))
static void plane3x3_avx512(const float *plane, int span_w, const float *weight, float bias, float *output,
                            int out_h, int out_w, int stride_h, int stride_w, __m512i even) {
    const __m512 w0 = _mm512_set1_ps(weight[0]), w1 = _mm512_set1_ps(weight[1]), w2 = _mm512_set1_ps(weight[2]);
    const __m512 w3 = _mm512_set1_ps(weight[3]), w4 = _mm512_set1_ps(weight[4]), w5 = _mm512_set1_ps(weight[5]);
    const __m512 w6 = _mm512_set1_ps(weight[6]), w7 = _mm512_set1_ps(weight[7]), w8 = _mm512_set1_ps(weight[8]);
    const __m512 b = _mm512_set1_ps(bias);
    for (int oh = 0; oh < out_h; oh++) {
        const float *r0 = plane + (size_t)(oh * stride_h) * span_w;
        const float *r1 = r0 + span_w, *r2 = r1 + span_w;
        float *out = output + (size_t)oh * out_w;
        for (int ow = 0; ow < out_w; ow += 16) {
            const size_t x = (size_t)ow * stride_w;
            __m512 acc = _mm512_fmadd_ps(w0, load_strided(r0 + x, stride_w, even), b);
            acc = _mm512_fmadd_ps(w1, load_strided(r0 + x + 1, stride_w, even), acc);
            acc = _mm512_fmadd_ps(w2, load_strided(r0 + x + 2, stride_w, even), acc);
            acc = _mm512_fmadd_ps(w3, load_strided(r1 + x, stride_w, even), acc);
            acc = _mm512_fmadd_ps(w4, load_strided(r1 + x + 1, stride_w, even), acc);
            acc = _mm512_fmadd_ps(w5, load_strided(r1 + x + 2, stride_w, even), acc);
            acc = _mm512_fmadd_ps(w6, load_strided(r2 + x, stride_w, even), acc);
            acc = _mm512_fmadd_ps(w7, load_strided(r2 + x + 1, stride_w, even), acc);
            acc = _mm512_fmadd_ps(w8, load_strided(r2 + x + 2, stride_w, even), acc);
            const __mmask16 keep = out_w - ow >= 16 ? 0xffff : (__mmask16)((1u << (out_w - ow)) - 1);
            _mm512_mask_storeu_ps(out + ow, keep, acc);
        }
    }
}

// AVX-512: the plane is first copied into a zero-bordered buffer, so every output column is
// an interior one; rows are computed 16 columns at a time (the last strip masked). Stride 1
// loads directly; stride 2 loads 31 values and keeps the even ones.
__attribute__((target("avx512f")))
static void plane_avx512(const float *input, int in_h, int in_w, const float *weight, int k_h, int k_w, float bias,
                         float *output, int out_h, int out_w, int stride_h, int stride_w, int pad_top, int pad_left,
                         int dilation_h, int dilation_w) {
    const int span_h = (out_h - 1) * stride_h + (k_h - 1) * dilation_h + 1;
    // Room for the widest load: 16 strided columns of the last strip.
    const int span_w = ((out_w + 15) / 16 * 16 - 1) * stride_w + (k_w - 1) * dilation_w + 2;
    const size_t needed = (size_t)span_h * span_w;
    if (padded_capacity < needed) {
        free(padded_plane);
        padded_plane = aligned_alloc(64, (needed * sizeof(float) + 63) / 64 * 64);
        padded_capacity = needed;
    }
    float *plane = padded_plane;
    // Zero only what the input does not cover.
    const int x0 = pad_left < 0 ? -pad_left : 0;
    const int x1 = in_w + pad_left > span_w ? span_w - pad_left : in_w;
    for (int py = 0; py < span_h; py++) {
        float *line = plane + (size_t)py * span_w;
        const int y = py - pad_top;
        if (y < 0 || y >= in_h || x1 <= x0) {
            memset(line, 0, sizeof(float) * span_w);
            continue;
        }
        const int left = x0 + pad_left, right = x1 + pad_left;
        memset(line, 0, sizeof(float) * left);
        memcpy(line + left, input + (size_t)y * in_w + x0, sizeof(float) * (x1 - x0));
        memset(line + right, 0, sizeof(float) * (span_w - right));
    }
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    if (k_h == 3 && k_w == 3 && dilation_h == 1 && dilation_w == 1 && stride_w <= 2) {
        plane3x3_avx512(plane, span_w, weight, bias, output, out_h, out_w, stride_h, stride_w, even);
        return;
    }
    for (int oh = 0; oh < out_h; oh++) {
        float *out = output + (size_t)oh * out_w;
        for (int ow = 0; ow < out_w; ow += 16) {
            const __mmask16 keep = out_w - ow >= 16 ? 0xffff : (__mmask16)((1u << (out_w - ow)) - 1);
            __m512 acc = _mm512_set1_ps(bias);
            for (int kh = 0; kh < k_h; kh++) {
                const float *row = plane + (size_t)(oh * stride_h + kh * dilation_h) * span_w + (size_t)ow * stride_w;
                for (int kw = 0; kw < k_w; kw++) {
                    const float *src = row + kw * dilation_w;
                    __m512 values;
                    if (stride_w == 1) {
                        values = _mm512_loadu_ps(src);
                    } else if (stride_w == 2) {
                        values = _mm512_permutex2var_ps(_mm512_loadu_ps(src), even, _mm512_maskz_loadu_ps(0x7fff, src + 16));
                    } else {
                        values = _mm512_i32gather_ps(_mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                                        _mm512_set1_epi32(stride_w)), src, 4);
                    }
                    acc = _mm512_fmadd_ps(_mm512_set1_ps(weight[kh * k_w + kw]), values, acc);
                }
            }
            _mm512_mask_storeu_ps(out + ow, keep, acc);
        }
    }
}
#endif

__attribute__((target_clones("avx512f", "avx2", "default")))
void qt_depthwise_plane(const float *input, int in_h, int in_w, const float *weight, int k_h, int k_w,
                        float bias, float *output, int out_h, int out_w, int stride_h, int stride_w,
                        int pad_top, int pad_left, int dilation_h, int dilation_w) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) {
        plane_avx512(input, in_h, in_w, weight, k_h, k_w, bias, output, out_h, out_w, stride_h, stride_w,
                     pad_top, pad_left, dilation_h, dilation_w);
        return;
    }
#endif
    int ow_begin = 0, ow_end = out_w;
    while (ow_begin < out_w && ow_begin * stride_w - pad_left < 0) ow_begin++;
    while (ow_end > ow_begin && (ow_end - 1) * stride_w - pad_left + (k_w - 1) * dilation_w >= in_w) ow_end--;
    for (int oh = 0; oh < out_h; oh++) {
        float *out = output + (size_t)oh * out_w;
        for (int ow = 0; ow < ow_begin; ow++)
            out[ow] = border_value(input, in_h, in_w, weight, k_h, k_w, bias, oh, ow, stride_h, stride_w,
                                   pad_top, pad_left, dilation_h, dilation_w);
        int ow = ow_begin;
        for (; ow + 16 <= ow_end; ow += 16) strip(input, in_h, in_w, weight, k_h, k_w, bias, out, oh, ow, 16,
                                                   stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w);
        for (; ow + 4 <= ow_end; ow += 4) strip(input, in_h, in_w, weight, k_h, k_w, bias, out, oh, ow, 4,
                                                 stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w);
        for (; ow < out_w; ow++)
            out[ow] = border_value(input, in_h, in_w, weight, k_h, k_w, bias, oh, ow, stride_h, stride_w,
                                   pad_top, pad_left, dilation_h, dilation_w);
    }
}
