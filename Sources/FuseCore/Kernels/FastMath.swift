/// Branch-free `exp` for the activation and softmax loops (the C kernels have the same in `fast_math.h`, with erf).
///
/// libm's `expf`/`erff` are opaque calls that keep a loop scalar (~3–5 ns per element). These are plain arithmetic,
/// bit casts and selects, so LLVM vectorises the loops that call them (AVX2 in release builds), and they never trap:
/// NaN in gives NaN out, with no Float → Int conversion.
enum FastMath {
    /// `e^x` within ~2 ulp for x in [-87.3, 88]; 0 below -87.3 (the true value is under `Float.leastNormalMagnitude`),
    /// and `e^88` above 88 (callers only need "huge" there).
    ///
    /// Cephes' method: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts so r is exact), a degree-6 polynomial
    /// for e^r, and 2^n written straight into the exponent bits.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.33654), 88)
        // Adding 1.5·2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
        let shifter: Float = 12_582_912
        let biased = clamped * 1.44269504088896341 + shifter
        let n = biased - shifter
        let r = clamped - n * 0.693359375 - n * -2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let scale = Float(bitPattern: (biased.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        return x < -87.33654 ? 0 : p * scale
    }
}
