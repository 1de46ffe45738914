// Transcendental functions over float arrays, written branch-free so the compiler turns each
// loop into AVX-512 or AVX2 code (one clone per instruction set, picked at load time).
// Every multiply-add is an explicit fmaf and contraction is off, so all clones (and the
// portable one, where fmaf is a library call) round identically: results do not depend on
// the CPU.
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

static inline float bits_to_float(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }

// e^q for q in [-88, 0]: q = n·ln 2 + r with |r| <= ln2 / 2 (Cody-Waite split of ln 2),
// Cephes' degree-6 polynomial for e^r, then 2^n through the exponent bits.
static inline float exp_nonpositive(float q) {
    q = q < -87.0f ? -87.0f : q;
    // Adding 1.5·2^23 rounds q·log2(e) to an integer held in the low mantissa bits.
    const float shifter = 12582912.0f;
    const float shifted = fmaf(q, 1.44269504f, shifter);
    const float n = shifted - shifter;
    float r = fmaf(n, -0.693359375f, q);
    r = fmaf(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    const float er = fmaf(p, r * r, r) + 1.0f;
    const int32_t k = (int32_t)(float_to_bits(shifted) - 0x4B400000u);
    return er * bits_to_float((uint32_t)(k + 127) << 23);
}

// erf for one value. Below 0.921875, erf(x) = x·P(x²); up to 3.925, erf(|x|) = 1 − e^Q(|x|)
// with Q fitting log erfc; beyond, erf rounds to ±1 in float. Both polynomials were fitted
// (weighted least squares on Chebyshev nodes) for this file: within 2.5 ulp of the correctly
// rounded erf over all floats. NaN propagates through the arithmetic.
static inline float erf_one(float x) {
    const float a = fabsf(x);
    const float t = x * x;
    float p = -5.98620856e-4f;
    p = fmaf(p, t, 4.99218097e-3f);
    p = fmaf(p, t, -2.67658606e-2f);
    p = fmaf(p, t, 1.12817928e-1f);
    p = fmaf(p, t, -3.76124918e-1f);
    p = fmaf(p, t, 1.12837911e+0f);
    const float small = x * p;
    const float c = a < 3.925f ? a : 3.925f;
    float q = -2.13794556e-5f;
    q = fmaf(q, c, 4.37636627e-4f);
    q = fmaf(q, c, -4.18590335e-3f);
    q = fmaf(q, c, 2.51571294e-2f);
    q = fmaf(q, c, -1.08336329e-1f);
    q = fmaf(q, c, -6.33297622e-1f);
    q = fmaf(q, c, -1.12953842e+0f);
    q = fmaf(q, c, 1.79405761e-4f);
    const float magnitude = a < 3.925f ? 1.0f - exp_nonpositive(q) : 1.0f;
    const float large = copysignf(magnitude, x);
    return a < 0.921875f || x != x ? small : large;
}

__attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
void qt_erf_f32(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = erf_one(x[i]);
}

float qt_erf_scalar(float x) { return erf_one(x); }
