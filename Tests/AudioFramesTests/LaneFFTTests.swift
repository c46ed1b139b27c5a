import Foundation
import Testing
@testable import AudioFrames

/// The eight-lane real FFT against the textbook DFT `X[k] = Σ x[j] e^{-2πijk/n}` evaluated in double precision
/// (the reference), each lane a different signal: power spectra agree to 1e-5 relative to the lane's largest bin.
/// (The fbank built on it is held to torchaudio by KaldiFbankTests.)
@Suite("LaneFFT")
struct LaneFFTTests {
    @Test("power spectrum equals a double-precision DFT", arguments: [4, 16, 512])
    func matchesDFT(size: Int) throws {
        let fft = try #require(LaneFFT(size: size))
        var state: UInt64 = 12_345
        func random() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001) / 1_000_000 - 1
        }
        let signals = (0..<8).map { lane in (0..<size).map { j in lane == 0 ? Float(j == 1 ? 1 : 0) : random() } }
        let half = size / 2
        let re = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: half)
        let im = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: half)
        let power = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: half + 1)
        defer { re.deallocate(); im.deallocate(); power.deallocate() }
        for j in 0..<size {
            var value = SIMD8<Float>()
            for lane in 0..<8 { value[lane] = signals[lane][j] }
            if j % 2 == 0 { re[fft.slot(ofSample: j)] = value } else { im[fft.slot(ofSample: j)] = value }
        }
        fft.powerSpectrum(re: re, im: im, power: power)
        for lane in 0..<8 {
            let expected = (0...half).map { k -> Double in
                var sr = 0.0, si = 0.0
                for j in 0..<size {
                    let angle = -2 * Double.pi * Double(j * k) / Double(size)
                    sr += Double(signals[lane][j]) * cos(angle)
                    si += Double(signals[lane][j]) * sin(angle)
                }
                return sr * sr + si * si
            }
            let scale = expected.max() ?? 1
            let worst = (0...half).map { abs(Double(power[$0][lane]) - expected[$0]) }.max() ?? 0
            #expect(worst <= 1e-5 * scale, "size \(size) lane \(lane): max error \(worst) of \(scale)")
        }
    }

    @Test("sizes that are not powers of two are left to KissFFT")
    func refusesOtherSizes() {
        #expect(LaneFFT(size: 400) == nil)
        #expect(LaneFFT(size: 2) == nil)
    }
}
