/* Branch-free exp and 1 + erf for the C kernels, the same approximations as FuseCore's Swift `FastMath` (Cephes' exp,
   Abramowitz & Stegun 7.1.26 for erfc, as PyTorch's vectorised CPU erf): plain arithmetic, bit casts and selects,
   so the loops that call them vectorize. */
#ifndef FUSE_FAST_MATH_H
#define FUSE_FAST_MATH_H

#include <stdint.h>

#include "lanes16.h"
#include "vector_dispatch.h"

/* e^x within ~2 ulp for x in [−87.3, 88]; exactly 0 below −87.3 and for −∞ (masked scores); e^88 above 88. */
FUSE_INLINE float fuse_exp(float x) {
    float clamped = x < -87.33654f ? -87.33654f : (x > 88.0f ? 88.0f : x);
    const float shifter = 12582912.0f; /* 1.5 · 2^23: adding it rounds to an integer kept in the low mantissa bits */
    float biased = clamped * 1.44269504088896341f + shifter;
    float n = biased - shifter;
    float r = clamped - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { float value; uint32_t bits; } in = {.value = biased}, scale;
    scale.bits = (in.bits - 0x4B400000u + 127u) << 23;
    return x < -87.33654f ? 0.0f : p * scale.value;
}

/* fuse_exp on 16 lanes at once: the same arithmetic, so the same results. */
FUSE_INLINE lanes16 exp16(lanes16 x) {
    const lanes16 low = (lanes16)-87.33654f;
    lanes16 clamped = __builtin_elementwise_min(__builtin_elementwise_max(x, low), (lanes16)88.0f);
    const lanes16 shifter = (lanes16)12582912.0f;
    lanes16 biased = clamped * 1.44269504088896341f + shifter;
    lanes16 n = biased - shifter;
    lanes16 r = clamped - n * 0.693359375f - n * -2.12194440e-4f;
    lanes16 p = (lanes16)1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    word16 bits = (word16)biased;
    lanes16 scale = (lanes16)((bits - 0x4B400000u + 127u) << 23);
    lanes16 result = p * scale;
    int16x below = x < low; /* all ones where x is below the range (or −∞) */
    return (lanes16)((int16x)result & ~below);
}

/* 1 + erf(z), without cancellation for negative z (where it is the small erfc(|z|)); absolute error ≤ 1.5e-7. */
FUSE_INLINE float fuse_one_plus_erf(float z) {
    float magnitude = z < 0 ? -z : z;
    float t = 1.0f / (1.0f + 0.3275911f * magnitude);
    float q = 1.061405429f;
    q = q * t - 1.453152027f;
    q = q * t + 1.421413741f;
    q = q * t - 0.284496736f;
    q = q * t + 0.254829592f;
    float complement = q * t * fuse_exp(-magnitude * magnitude);
    return z < 0 ? complement : 2.0f - complement;
}

/* Exact GELU, 0.5 · x · (1 + erf(x / √2)). */
FUSE_INLINE float fuse_gelu_erf_value(float x) { return 0.5f * x * fuse_one_plus_erf(x * 0.70710678118654752f); }

/* fuse_one_plus_erf and fuse_gelu_erf_value on 16 lanes at once: the same arithmetic, so the same results. */
FUSE_INLINE lanes16 one_plus_erf16(lanes16 z) {
    lanes16 magnitude = __builtin_elementwise_abs(z);
    lanes16 t = 1.0f / (1.0f + 0.3275911f * magnitude);
    lanes16 q = (lanes16)1.061405429f;
    q = q * t - 1.453152027f;
    q = q * t + 1.421413741f;
    q = q * t - 0.284496736f;
    q = q * t + 0.254829592f;
    lanes16 complement = q * t * exp16(-magnitude * magnitude);
    int16x negative = z < 0;
    lanes16 positive_result = 2.0f - complement;
    return (lanes16)(((int16x)complement & negative) | ((int16x)positive_result & ~negative));
}
FUSE_INLINE lanes16 gelu16(lanes16 x) { return 0.5f * x * one_plus_erf16(x * 0.70710678118654752f); }

#endif
