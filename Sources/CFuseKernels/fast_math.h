/* Branch-free exp and 1 + erf for the C kernels, the same approximations as FuseCore's Swift `FastMath` (Cephes' exp,
   Abramowitz & Stegun 7.1.26 for erfc, as PyTorch's vectorised CPU erf): plain arithmetic, bit casts and selects,
   so the loops that call them vectorize. */
#ifndef FUSE_FAST_MATH_H
#define FUSE_FAST_MATH_H

#include <stdint.h>

#include "lanes16.h"
#include "vector_dispatch.h"

/* The arithmetic the scalar and 16-lane versions share, written once so they cannot drift apart: each macro works on
   float or lanes16 operands (constants broadcast). */

/* Cephes' exp on an argument already clamped to [−87.3, 88]: `biased` gets round(x · log2 e) in its low mantissa
   bits (adding 1.5 · 2^23 rounds), `p` the polynomial for e^r on the remainder; the caller scales p by 2^n. */
#define FUSE_EXP_REDUCED(clamped, biased, p)                                                                   \
    do {                                                                                                      \
        biased = (clamped) * 1.44269504088896341f + 12582912.0f;                                              \
        __typeof__(biased) n_ = biased - 12582912.0f;                                                         \
        __typeof__(biased) r_ = (clamped) - n_ * 0.693359375f - n_ * -2.12194440e-4f;                         \
        p = r_ * 1.9875691500e-4f + 1.3981999507e-3f;                                                         \
        p = p * r_ + 8.3334519073e-3f;                                                                        \
        p = p * r_ + 4.1665795894e-2f;                                                                        \
        p = p * r_ + 1.6666665459e-1f;                                                                        \
        p = p * r_ + 5.0000001201e-1f;                                                                        \
        p = p * r_ * r_ + r_ + 1.0f;                                                                          \
    } while (0)

/* Abramowitz & Stegun 7.1.26's polynomial in t = 1 / (1 + 0.3275911 |z|), times t: erfc(|z|) = this · e^(−z²). */
#define FUSE_ERFC_FACTOR(magnitude, factor)                                                                   \
    do {                                                                                                      \
        __typeof__(factor) t_ = 1.0f / (1.0f + 0.3275911f * (magnitude));                                     \
        __typeof__(factor) q_ = t_ * 1.061405429f - 1.453152027f;                                             \
        q_ = q_ * t_ + 1.421413741f;                                                                          \
        q_ = q_ * t_ - 0.284496736f;                                                                          \
        q_ = q_ * t_ + 0.254829592f;                                                                          \
        factor = q_ * t_;                                                                                     \
    } while (0)

/* e^x within ~2 ulp for x in [−87.3, 88]; exactly 0 below −87.3 and for −∞ (masked scores); e^88 above 88. */
FUSE_INLINE float fuse_exp(float x) {
    float clamped = x < -87.33654f ? -87.33654f : (x > 88.0f ? 88.0f : x);
    float biased, p;
    FUSE_EXP_REDUCED(clamped, biased, p);
    union { float value; uint32_t bits; } in = {.value = biased}, scale;
    scale.bits = (in.bits - 0x4B400000u + 127u) << 23;
    return x < -87.33654f ? 0.0f : p * scale.value;
}

/* fuse_exp on 16 lanes at once: the same arithmetic, so the same results. */
FUSE_INLINE lanes16 exp16(lanes16 x) {
    const lanes16 low = (lanes16)-87.33654f;
    lanes16 clamped = __builtin_elementwise_min(__builtin_elementwise_max(x, low), (lanes16)88.0f);
    lanes16 biased, p;
    FUSE_EXP_REDUCED(clamped, biased, p);
    word16 bits = (word16)biased;
    lanes16 scale = (lanes16)((bits - 0x4B400000u + 127u) << 23);
    lanes16 result = p * scale;
    int16x below = x < low; /* all ones where x is below the range (or −∞) */
    return (lanes16)((int16x)result & ~below);
}

/* 1 + erf(z), without cancellation for negative z (where it is the small erfc(|z|)); absolute error ≤ 1.5e-7. */
FUSE_INLINE float fuse_one_plus_erf(float z) {
    float magnitude = z < 0 ? -z : z;
    float factor;
    FUSE_ERFC_FACTOR(magnitude, factor);
    float complement = factor * fuse_exp(-magnitude * magnitude);
    return z < 0 ? complement : 2.0f - complement;
}

/* Exact GELU, 0.5 · x · (1 + erf(x / √2)). */
FUSE_INLINE float fuse_gelu_erf_value(float x) { return 0.5f * x * fuse_one_plus_erf(x * 0.70710678118654752f); }

/* fuse_one_plus_erf and fuse_gelu_erf_value on 16 lanes at once: the same arithmetic, so the same results. */
FUSE_INLINE lanes16 one_plus_erf16(lanes16 z) {
    lanes16 magnitude = __builtin_elementwise_abs(z);
    lanes16 factor;
    FUSE_ERFC_FACTOR(magnitude, factor);
    lanes16 complement = factor * exp16(-magnitude * magnitude);
    int16x negative = z < 0;
    lanes16 positive_result = 2.0f - complement;
    return (lanes16)(((int16x)complement & negative) | ((int16x)positive_result & ~negative));
}
FUSE_INLINE lanes16 gelu16(lanes16 x) { return 0.5f * x * one_plus_erf16(x * 0.70710678118654752f); }

#endif
