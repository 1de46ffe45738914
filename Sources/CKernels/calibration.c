#include "CKernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

// One AVX2 pass: running min, max and min |x| per lane, a count of exact zeros per lane, and
// a "poison" sum of x − x, which stays 0 for finite x and turns NaN at the first NaN or ±inf.
// Returns 0 when poisoned (the caller then rescans, skipping those values).
__attribute__((target("avx2")))
static int scan_avx2(const float *x, size_t n, qt_value_scan *out) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 lo = _mm256_set1_ps(INFINITY), hi = _mm256_set1_ps(-INFINITY), mag = lo, poison = _mm256_setzero_ps();
    __m256i zeros = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        lo = _mm256_min_ps(lo, v);
        hi = _mm256_max_ps(hi, v);
        mag = _mm256_min_ps(mag, _mm256_and_ps(v, abs_mask));
        poison = _mm256_add_ps(poison, _mm256_sub_ps(v, v));
        zeros = _mm256_sub_epi32(zeros, _mm256_castps_si256(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_EQ_OQ)));
    }
    float l[8], h[8], m[8], p[8];
    int32_t z[8];
    _mm256_storeu_ps(l, lo); _mm256_storeu_ps(h, hi); _mm256_storeu_ps(m, mag); _mm256_storeu_ps(p, poison);
    _mm256_storeu_si256((__m256i *)z, zeros);
    for (int k = 0; k < 8; k++) {
        if (p[k] != 0) return 0;
        out->min = fminf(out->min, l[k]);
        out->max = fmaxf(out->max, h[k]);
        out->min_abs = fminf(out->min_abs, m[k]);
        out->zeros += z[k];
    }
    out->count += (int64_t)i;
    for (; i < n; i++) {
        float v = x[i];
        if (!isfinite(v)) return 0;
        out->count++;
        out->zeros += v == 0;
        out->min = fminf(out->min, v);
        out->max = fmaxf(out->max, v);
        out->min_abs = fminf(out->min_abs, fabsf(v));
    }
    return 1;
}
#endif

static void scan_skipping(const float *x, size_t n, qt_value_scan *out) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        if (!isfinite(v)) { out->nonfinite++; continue; }
        out->count++;
        out->zeros += v == 0;
        out->min = fminf(out->min, v);
        out->max = fmaxf(out->max, v);
        out->min_abs = fminf(out->min_abs, fabsf(v));
    }
}

static void scan_reset(qt_value_scan *out) {
    *out = (qt_value_scan){0, 0, 0, INFINITY, -INFINITY, INFINITY};
}

void qt_scan_f32(const float *x, size_t n, qt_value_scan *out) {
    scan_reset(out);
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        if (scan_avx2(x, n, out)) return;
        scan_reset(out);
    }
#endif
    scan_skipping(x, n, out);
}

// Two 32-bit counters per bin, reused by every call on a thread (see qt_histogram_f32).
static __thread uint32_t *lane_counts;
static __thread int64_t lane_bins;

static uint32_t *cleared_lanes(int64_t bins) {
    if (lane_bins < bins) {
        free(lane_counts);
        lane_counts = malloc(sizeof(uint32_t) * 2 * (size_t)bins);
        lane_bins = lane_counts ? bins : 0;
    }
    if (lane_counts) memset(lane_counts, 0, sizeof(uint32_t) * 2 * (size_t)bins);
    return lane_counts;
}

// Bin index ⌊(x + offset)·scale⌋ (of |x| when magnitude), clamped to [0, bins − 1]; NaN and
// ±inf skipped when skip_nonfinite. Indices are computed 64 at a time, then counted, so the
// float work vectorizes and only the increments stay scalar. Values piled in a few bins (a
// softmax's near-zeros, a masked sentinel) make each increment wait for the previous one to
// the same bin; with many values per bin, alternate elements count into two lanes per bin
// that are added up at the end (measured on 196K values in 32K bins: 1.5-1.7x faster when
// piled up, about 10% slower when spread evenly).
__attribute__((target_clones("avx2", "default")))
void qt_histogram_f32(const float *x, size_t n, float offset, float scale, int magnitude, int skip_nonfinite,
                      int64_t *counts, int64_t bins) {
    const float top = (float)(bins - 1);
    int32_t index[64];
    size_t i = 0;
    if (!skip_nonfinite) {
        const int use_lanes = n >= 4 * (size_t)bins && n < ((size_t)1 << 31) && bins <= (1 << 20);
        uint32_t *lanes = use_lanes ? cleared_lanes(bins) : 0;
        for (; i + 64 <= n; i += 64) {
            for (int k = 0; k < 64; k++) {
                float v = magnitude ? fabsf(x[i + k]) : x[i + k];
                float p = (v + offset) * scale;
                p = p > 0 ? p : 0;
                p = p < top ? p : top;
                index[k] = (int32_t)p;
            }
            if (lanes) {
                for (int k = 0; k < 64; k++) lanes[2 * (size_t)index[k] + (k & 1)]++;
            } else {
                for (int k = 0; k < 64; k++) counts[index[k]]++;
            }
        }
        if (lanes) for (int64_t j = 0; j < bins; j++) counts[j] += (int64_t)lanes[2 * j] + lanes[2 * j + 1];
    }
    for (; i < n; i++) {
        float v = magnitude ? fabsf(x[i]) : x[i];
        if (!isfinite(v)) continue;
        float p = (v + offset) * scale;
        p = p > 0 ? p : 0;
        p = p < top ? p : top;
        counts[(int32_t)p]++;
    }
}
