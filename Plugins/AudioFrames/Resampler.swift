import Dispatch
import Foundation

/// Band-limited resampling identical (to float rounding) to `torchaudio.functional.resample` with its defaults:
/// `sinc_interp_hann`, `lowpass_filter_width = 6`, `rolloff = 0.99`.
///
/// torchaudio reduces the rates by their gcd to `orig`/`new`, builds `new` windowed-sinc filters (one per output
/// phase) over `2·width + orig` input taps and runs them as a strided `conv1d` over the input padded with `width`
/// zeros on the left and `width + orig` on the right, keeping `ceil(new·n / orig)` outputs. This is the same
/// polyphase filter, written out directly: output `l·new + j` is phase `j`'s dot product with the input starting
/// at `l·orig − width`. Each phase keeps only the taps inside the Hann window (|t| < width), which makes 44.1 kHz →
/// 16 kHz cost ~35 multiply-adds per output instead of torchaudio's 475.
///
/// Why our own filter and not libsoxr/libsamplerate: neither implements this kernel, and their outputs differ from
/// torchaudio's by far more than the 1e-4 that parity with the reference (and so with the models' training
/// preprocessing) needs.
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int
    /// Rates divided by their gcd.
    public let orig: Int
    public let new: Int
    /// Zero padding torchaudio puts before the signal (its `width`).
    public let width: Int
    /// Taps per phase, padded with zeros to a multiple of 8.
    let tapCount: Int
    /// `new × tapCount` filter taps, phase-major.
    let taps: [Float]
    /// For each phase, the first input offset (relative to `l·orig − width`) its taps apply to.
    let firstTap: [Int]

    /// Builds the filter bank for `inputRate` → `outputRate`.
    public init(from inputRate: Int, to outputRate: Int, lowpassFilterWidth: Int = 6, rolloff: Double = 0.99) throws {
        guard inputRate > 0, outputRate > 0 else {
            throw AudioError.invalidOption(
                name: "sample rate",
                reason: "rates must be positive, got \(inputRate) → \(outputRate)")
        }
        guard lowpassFilterWidth > 0 else {
            throw AudioError.invalidOption(name: "lowpassFilterWidth", reason: "must be positive")
        }
        guard rolloff > 0, rolloff <= 1 else {
            throw AudioError.invalidOption(name: "rolloff", reason: "must be in (0, 1], got \(rolloff)")
        }
        let divisor = Self.gcd(inputRate, outputRate)
        self.inputRate = inputRate
        self.outputRate = outputRate
        orig = inputRate / divisor
        new = outputRate / divisor
        guard orig * new <= 50_000_000 else {
            throw AudioError.invalidOption(
                name: "sample rate",
                reason: "\(inputRate) → \(outputRate) Hz needs a \(new)-phase filter; "
                    + "rates this coprime are not supported")
        }
        let baseFreq = Double(min(inputRate, outputRate) / divisor) * rolloff
        let lw = Double(lowpassFilterWidth)
        let o = inputRate / divisor, nw = outputRate / divisor
        let w = Int((lw * Double(o) / baseFreq).rounded(.up))
        width = w
        let fullTaps = 2 * w + o

        // Per phase j the kernel is sinc(π·t)·cos²(π·t / 2lw)·scale with t = ((k − width)/orig − j/new)·baseFreq,
        // zero outside |t| < lw. torchaudio evaluates it in the waveform's dtype (float32), one rounded step at a
        // time; the same steps are taken here so the taps agree to the last bit or two.
        let baseF = Float(baseFreq), lwF = Float(lowpassFilterWidth), piF = Float.pi
        func t(_ j: Int, _ k: Int) -> Float {
            let idx = Float(k - w) / Float(o)
            let phase = Float(-j) / Float(nw)
            return min(max((phase + idx) * baseF, -lwF), lwF)
        }
        var spans: [Range<Int>] = []
        spans.reserveCapacity(nw)
        var longest = 0
        for j in 0..<nw {
            var lo = 0
            while lo < fullTaps, abs(t(j, lo)) >= lwF { lo += 1 }
            var hi = fullTaps
            while hi > lo, abs(t(j, hi - 1)) >= lwF { hi -= 1 }
            spans.append(lo..<max(lo, hi))
            longest = max(longest, hi - lo)
        }
        let count = max(8, (longest + 7) / 8 * 8)
        let scaleF = Float(baseFreq / Double(o))
        var bank = [Float](repeating: 0, count: nw * count)
        for j in 0..<nw {
            for (i, k) in spans[j].enumerated() {
                let tk = t(j, k)
                let c = cos(tk * piF / lwF / 2)
                let window = c * c
                let x = tk * piF
                let sinc: Float = x == 0 ? 1 : sin(x) / x
                bank[j * count + i] = sinc * (window * scaleF)
            }
        }
        tapCount = count
        taps = bank
        firstTap = spans.map(\.lowerBound)
    }

    /// Number of outputs torchaudio keeps for `inputCount` inputs: `ceil(new · n / orig)`.
    public func outputCount(forInputCount inputCount: Int) -> Int {
        (new * inputCount + orig - 1) / orig
    }

    /// Resamples a whole signal. Equal rates return the input unchanged, as torchaudio does.
    public func resample(_ input: [Float]) -> [Float] {
        if inputRate == outputRate { return input }
        let n = input.count
        let outCount = outputCount(forInputCount: n)
        guard outCount > 0 else { return [] }
        // Zero padding on both sides, as torchaudio's pad (width, width + orig), plus slack for padded taps.
        let left = width
        let padded = [Float](unsafeUninitializedCapacity: left + n + width + orig + tapCount) { buf, done in
            buf.initialize(repeating: 0)
            input.withUnsafeBufferPointer { src in
                if n > 0 { (buf.baseAddress! + left).update(from: src.baseAddress!, count: n) }
            }
            done = buf.count
        }
        return [Float](unsafeUninitializedCapacity: outCount) { out, done in
            padded.withUnsafeBufferPointer { src in
                let source = SharedPointer(src.baseAddress!), target = SharedPointer(out.baseAddress!)
                Kernels.parallelChunks(count: outCount, grain: 1 << 13) { block in
                    run(padded: source.base, paddedStart: 0, outputs: block, into: target.base + block.lowerBound)
                }
            }
            done = outCount
        }
    }

    /// Computes outputs `outputs` from a padded input in which `padded[0]` is padded index `paddedStart`
    /// (padded index `p` holds input sample `p − width`). The caller guarantees every tap lies inside `padded`.
    func run(padded: UnsafePointer<Float>, paddedStart: Int, outputs: Range<Int>, into out: UnsafeMutablePointer<Float>)
    {
        taps.withUnsafeBufferPointer { bank in
            firstTap.withUnsafeBufferPointer { first in
                let vectors = tapCount / 8
                for n in outputs {
                    let l = n / new, j = n - (n / new) * new
                    let x = padded + (l * orig + first[j] - paddedStart)
                    let h = bank.baseAddress! + j * tapCount
                    var acc = SIMD8<Float>()
                    for v in 0..<vectors {
                        let hv = UnsafeRawPointer(h + 8 * v).loadUnaligned(as: SIMD8<Float>.self)
                        let xv = UnsafeRawPointer(x + 8 * v).loadUnaligned(as: SIMD8<Float>.self)
                        acc.addProduct(hv, xv)
                    }
                    out[n - outputs.lowerBound] = acc.sum()
                }
            }
        }
    }

    /// The padded-input span output `n` reads: `[l·orig + firstTap[j], … + tapCount)`.
    func inputSpan(forOutput n: Int) -> Range<Int> {
        let l = n / new, j = n % new
        let start = l * orig + firstTap[j]
        return start..<(start + tapCount)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
