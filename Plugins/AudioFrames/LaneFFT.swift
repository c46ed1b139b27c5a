import Foundation

/// A real FFT of power-of-two size computed for eight frames at once: lane `l` of every `SIMD8` is frame `l`.
///
/// Fbank frames are short (512 points) and independent, so running eight of them through one radix-2 FFT in the
/// vector lanes uses the whole AVX register for every butterfly, where a scalar FFT (KissFFT) uses one float of it.
/// The `n`-point real transform is the `n/2`-point complex FFT of `z[m] = x[2m] + i·x[2m+1]` followed by the usual
/// even/odd split; only the power spectrum `|X[k]|²`, `k = 0…n/2`, is returned, as the fbank needs nothing else.
/// Twiddles are computed in double precision and rounded once, so the result matches a scalar float FFT to
/// float rounding.
final class LaneFFT: @unchecked Sendable {
    // @unchecked: the tables are written only in `init`; `transform` touches only its caller's buffers.
    /// Real input size `n` (a power of two ≥ 4).
    let size: Int
    /// Complex FFT size `n/2`.
    let half: Int
    /// `bitReversed[m]`: where `z[m]` goes so the in-place iterative FFT reads its input in bit-reversed order.
    private let bitReversed: UnsafeMutablePointer<Int>
    /// `e^{-2πi t / half}` for `t < half/2`, as (cos, −sin) pairs.
    private let twiddleRe, twiddleIm: UnsafeMutablePointer<Float>
    /// `e^{-2πi k / size}` for `k ≤ half`, for the even/odd split.
    private let splitRe, splitIm: UnsafeMutablePointer<Float>

    /// Nil when `size` is not a power of two ≥ 4 (the caller then uses a general FFT).
    init?(size: Int) {
        guard size >= 4, size & (size - 1) == 0 else { return nil }
        self.size = size
        half = size / 2
        bitReversed = .allocate(capacity: half)
        let bits = half.trailingZeroBitCount
        for m in 0..<half {
            var r = 0
            for b in 0..<bits where m & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            bitReversed[m] = r
        }
        twiddleRe = .allocate(capacity: max(half / 2, 1))
        twiddleIm = .allocate(capacity: max(half / 2, 1))
        for t in 0..<max(half / 2, 1) {
            let angle = 2 * Double.pi * Double(t) / Double(half)
            twiddleRe[t] = Float(cos(angle))
            twiddleIm[t] = Float(-sin(angle))
        }
        splitRe = .allocate(capacity: half + 1)
        splitIm = .allocate(capacity: half + 1)
        for k in 0...half {
            let angle = 2 * Double.pi * Double(k) / Double(size)
            splitRe[k] = Float(cos(angle))
            splitIm[k] = Float(-sin(angle))
        }
    }

    deinit {
        bitReversed.deallocate()
        twiddleRe.deallocate()
        twiddleIm.deallocate()
        splitRe.deallocate()
        splitIm.deallocate()
    }

    /// Where real sample `j` of the input must be stored (in `re` for even `j`, `im` for odd `j`) before
    /// `powerSpectrum`: index `bitReversed[j / 2]`.
    @inline(__always)
    func slot(ofSample j: Int) -> Int { bitReversed[j >> 1] }

    /// `|X[k]|²` for `k = 0…size/2` into `power`, from the input already scattered into `re`/`im` (each `size/2`
    /// lanes-vectors) by `slot(ofSample:)`. `re` and `im` are overwritten.
    func powerSpectrum(
        re: UnsafeMutablePointer<SIMD8<Float>>, im: UnsafeMutablePointer<SIMD8<Float>>,
        power: UnsafeMutablePointer<SIMD8<Float>>
    ) {
        let n = half
        // Stage of span 2: twiddle 1.
        var a = 0
        while a < n {
            let (xr, xi, yr, yi) = (re[a], im[a], re[a + 1], im[a + 1])
            re[a] = xr + yr; im[a] = xi + yi
            re[a + 1] = xr - yr; im[a + 1] = xi - yi
            a += 2
        }
        var span = 4
        while span <= n {
            let step = n / span, halfSpan = span / 2
            var start = 0
            while start < n {
                for j in 0..<halfSpan {
                    let wr = SIMD8<Float>(repeating: twiddleRe[j * step])
                    let wi = SIMD8<Float>(repeating: twiddleIm[j * step])
                    let p = start + j, q = p + halfSpan
                    let (br, bi) = (re[q], im[q])
                    let tr = br * wr - bi * wi
                    let ti = br * wi + bi * wr
                    let (ar, ai) = (re[p], im[p])
                    re[p] = ar + tr; im[p] = ai + ti
                    re[q] = ar - tr; im[q] = ai - ti
                }
                start += span
            }
            span *= 2
        }
        // Even/odd split: X[k] = E[k] + W^k O[k], E = (Z[k] + conj Z[n−k]) / 2, O = (Z[k] − conj Z[n−k]) / 2i.
        let dc = re[0] + im[0], nyquist = re[0] - im[0]
        power[0] = dc * dc
        power[n] = nyquist * nyquist
        let halfScale = SIMD8<Float>(repeating: 0.5)
        for k in 1..<n {
            let (zr, zi, mr, mi) = (re[k], im[k], re[n - k], im[n - k])
            let er = (zr + mr) * halfScale, ei = (zi - mi) * halfScale
            let or = (zi + mi) * halfScale, oi = (mr - zr) * halfScale
            let c = SIMD8<Float>(repeating: splitRe[k]), s = SIMD8<Float>(repeating: splitIm[k])
            let xr = er + c * or - s * oi
            let xi = ei + c * oi + s * or
            power[k] = xr * xr + xi * xi
        }
    }
}
