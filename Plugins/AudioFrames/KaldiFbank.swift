import CKissFFT
import Dispatch
import Foundation

/// Log mel filterbank features identical to `torchaudio.compliance.kaldi.fbank` (Kaldi's `compute-fbank-feats`).
///
/// Per frame: optional dither → DC-offset removal → raw log energy → pre-emphasis → window → zero-pad to the FFT
/// size → real FFT → power (or magnitude) spectrum → triangular mel bins → log, floored at float epsilon.
/// Frames are independent, so long signals are split across both cores, and within a core eight frames run at once
/// in the vector lanes (`LaneFFT`, `computeLaneGroup`) when the FFT size is a power of two.
///
/// ```swift
/// let fbank = try KaldiFbank(options: .ast())           // 128 mel, Hanning, 25 ms / 10 ms
/// let features = try fbank.compute(samples16k)           // Tensor [frames, 128]
/// ```
/// Other FFT sizes (`roundToPowerOfTwo = false`) take KissFFT one frame at a time. The lane path exists because the
/// scalar FFT was a third of the fbank's time (BENCHMARKS.md).
public struct KaldiFbank: Sendable {
    public let options: FbankOptions
    let window: [Float]
    let banks: MelBanks
    /// The eight-frames-at-once FFT when the FFT size is a power of two (the usual case); nil: KissFFT per frame.
    let laneFFT: LaneFFT?

    /// Kaldi's floor inside the log: `numeric_limits<float>::epsilon()`.
    static let epsilon = Float.ulpOfOne

    public init(options: FbankOptions = FbankOptions()) throws {
        try options.validate()
        self.options = options
        window = FeatureWindow.make(options.windowType, size: options.windowSize, blackmanCoeff: options.blackmanCoeff)
        banks = MelBanks.shared(for: options)
        laneFFT = LaneFFT(size: options.paddedWindowSize)
    }

    /// Frames produced for `sampleCount` samples (torchaudio's `_get_strided`).
    public func frameCount(forSampleCount n: Int) -> Int {
        let size = options.windowSize, shift = options.windowShift
        if options.snipEdges { return n < size ? 0 : 1 + (n - size) / shift }
        return (n + shift / 2) / shift
    }

    /// Features of a whole mono signal, `[frames, numMelBins (+1 with useEnergy)]`.
    ///
    /// Throws `AudioError.shorterThanOneFrame` when the signal is shorter than one frame (torchaudio refuses
    /// such input too). Signals shorter than `minDuration` give a `[0, featureCount]` tensor.
    public func compute(_ samples: [Float], what: String = "audio") throws -> Tensor {
        let n = samples.count, width = options.featureCount
        if Double(n) < options.minDuration * options.sampleFrequency { return Tensor(zeros: [0, width]) }
        guard n >= options.windowSize else {
            throw AudioError.shorterThanOneFrame(what: what, samples: n, frameLength: options.windowSize)
        }
        let frames = frameCount(forSampleCount: n)
        var result = samples.withUnsafeBufferPointer { signal in
            Tensor(shape: [frames, width]) { out in
                computeFrames(signal: signal, frames: 0..<frames, into: out.baseAddress!)
            }
        }
        if options.subtractMean, frames > 0 { Self.subtractColumnMeans(&result, frames: frames, width: width) }
        return result
    }

    /// Writes frames `frames` (indices into the whole signal's frames) as rows of `out`, spreading them over the
    /// cores. `signal` holds the whole signal (snip-edges off) or any span starting at frame `frames.lowerBound`'s
    /// first sample (snip-edges on, used by streaming).
    func computeFrames(
        signal: UnsafeBufferPointer<Float>, frames: Range<Int>, signalOffset: Int = 0,
        into out: UnsafeMutablePointer<Float>
    ) {
        let signalPointer = SharedPointer(signal.baseAddress!), outPointer = SharedPointer(out)
        let signalCount = signal.count
        Kernels.parallelChunks(count: frames.count, grain: 32) { block in
            let signal = UnsafeBufferPointer(start: signalPointer.base, count: signalCount)
            if let fft = laneFFT {
                let scratch = LaneScratch(windowSize: options.windowSize, paddedSize: options.paddedWindowSize)
                var i = block.lowerBound
                while i < block.upperBound {
                    let count = min(8, block.upperBound - i)
                    computeLaneGroup(
                        first: frames.lowerBound + i, count: count, signal: signal,
                        signalOffset: signalOffset, fft: fft, scratch: scratch,
                        rows: outPointer.base + i * options.featureCount)
                    i += count
                }
                return
            }
            let scratch = FrameScratch(paddedSize: options.paddedWindowSize, melBins: options.numMelBins)
            for i in block {
                computeFrame(
                    frames.lowerBound + i, signal: signal, signalOffset: signalOffset, scratch: scratch,
                    row: outPointer.base + i * options.featureCount)
            }
        }
    }

    private func computeFrame(
        _ index: Int, signal: UnsafeBufferPointer<Float>, signalOffset: Int,
        scratch: FrameScratch, row: UnsafeMutablePointer<Float>
    ) {
        let o = options
        let size = o.windowSize, padded = o.paddedWindowSize
        let buf = scratch.frame
        fillFrame(index, signal: signal, signalOffset: signalOffset, into: buf)
        if o.dither != 0 { scratch.addDither(seed: o.ditherSeed, frame: index, scale: Float(o.dither), count: size) }
        if o.removeDcOffset {
            let mean = VectorMath.sum(buf, count: size) / Float(size)
            for j in 0..<size { buf[j] -= mean }
        }
        var logEnergy: Float = 0
        if o.rawEnergy { logEnergy = energy(buf, count: size) }
        // Pre-emphasis (x[j] − c·x[j−1], with x[−1] = x[0]) and the window in one pass into the FFT input.
        let fftIn = scratch.fftInput
        let c = Float(o.preemphasisCoefficient)
        window.withUnsafeBufferPointer { w in
            let win = w.baseAddress!
            fftIn[0] = (buf[0] - c * buf[0]) * win[0]
            var j = 1
            while j + 8 <= size {
                let x = UnsafeRawPointer(buf + j).loadUnaligned(as: SIMD8<Float>.self)
                let previous = UnsafeRawPointer(buf + j - 1).loadUnaligned(as: SIMD8<Float>.self)
                let wv = UnsafeRawPointer(win + j).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(fftIn + j).storeBytes(of: (x - c * previous) * wv, as: SIMD8<Float>.self)
                j += 8
            }
            while j < size { fftIn[j] = (buf[j] - c * buf[j - 1]) * win[j]; j += 1 }
        }
        for j in size..<padded { fftIn[j] = 0 }
        if !o.rawEnergy { logEnergy = energy(fftIn, count: padded) }

        kiss_fftr(scratch.plan, fftIn, scratch.spectrum)
        let bins = padded / 2 + 1
        let power = scratch.power
        for k in 0..<bins {
            let c = scratch.spectrum[k]
            let p = c.r * c.r + c.i * c.i
            power[k] = o.usePower ? p : p.squareRoot()
        }
        let melOffset = o.useEnergy && !o.htkCompat ? 1 : 0
        let mel = scratch.mel
        for b in 0..<o.numMelBins {
            var sum: Float = 0
            banks.weights[b].withUnsafeBufferPointer { w in
                let p = power + banks.start[b]
                for k in 0..<w.count { sum += w[k] * p[k] }
            }
            mel[b] = sum
        }
        if o.useLogFbank {
            let epsilon = SIMD8<Float>(repeating: Self.epsilon)
            var b = 0
            while b < o.numMelBins {
                var v = SIMD8<Float>(repeating: 1)
                let lanes = min(8, o.numMelBins - b)
                for l in 0..<lanes { v[l] = mel[b + l] }
                let logs = VectorMath.log(pointwiseMax(v, epsilon))
                for l in 0..<lanes { row[melOffset + b + l] = logs[l] }
                b += 8
            }
        } else {
            for b in 0..<o.numMelBins { row[melOffset + b] = mel[b] }
        }
        if o.useEnergy { row[o.htkCompat ? o.numMelBins : 0] = logEnergy }
    }

    /// Copies frame `index`'s samples; with snip-edges off the signal is reflected at both ends as torchaudio does
    /// (`[x1 x0 | x0 x1 … xn | xn xn-1 …]`).
    func fillFrame(
        _ index: Int, signal: UnsafeBufferPointer<Float>, signalOffset: Int,
        into buf: UnsafeMutablePointer<Float>
    ) {
        let size = options.windowSize, shift = options.windowShift
        if options.snipEdges {
            buf.update(from: signal.baseAddress! + (index * shift - signalOffset), count: size)
            return
        }
        let n = signal.count
        let pad = size / 2 - shift / 2
        for j in 0..<size {
            let q = index * shift + j - pad
            let source = q < 0 ? -q - 1 : (q < n ? q : 2 * n - 1 - q)
            buf[j] = signal[min(max(source, 0), n - 1)]
        }
    }

    /// `log(max(Σx², ε))`, floored at `log(energyFloor)` when that is non-zero.
    private func energy(_ buf: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let sum = VectorMath.sumOfSquares(buf, count: count)
        let value = log(max(sum, Self.epsilon))
        return options.energyFloor == 0 ? value : max(value, Float(log(options.energyFloor)))
    }

    private static func subtractColumnMeans(_ t: inout Tensor, frames: Int, width: Int) {
        t.withUnsafeMutableBufferPointer { data in
            for c in 0..<width {
                var sum: Double = 0
                for r in 0..<frames { sum += Double(data[r * width + c]) }
                let mean = Float(sum / Double(frames))
                for r in 0..<frames { data[r * width + c] -= mean }
            }
        }
    }
}

/// Per-task buffers and FFT plan (KissFFT's real plan keeps scratch inside, so a plan serves one thread).
final class FrameScratch {
    let plan: OpaquePointer
    let frame: UnsafeMutablePointer<Float>
    /// Pre-emphasized, windowed, zero-padded frame.
    let fftInput: UnsafeMutablePointer<Float>
    /// Mel energies before the log.
    let mel: UnsafeMutablePointer<Float>
    let spectrum: UnsafeMutablePointer<kiss_fft_cpx>
    let power: UnsafeMutablePointer<Float>

    init(paddedSize: Int, melBins: Int) {
        plan = kiss_fftr_alloc(Int32(paddedSize), 0, nil, nil)
        frame = .allocate(capacity: paddedSize)
        fftInput = .allocate(capacity: paddedSize)
        mel = .allocate(capacity: melBins)
        spectrum = .allocate(capacity: paddedSize / 2 + 1)
        power = .allocate(capacity: paddedSize / 2 + 1)
    }

    deinit {
        free(UnsafeMutableRawPointer(plan))
        frame.deallocate()
        fftInput.deallocate()
        mel.deallocate()
        spectrum.deallocate()
        power.deallocate()
    }

    func addDither(seed: UInt64, frame index: Int, scale: Float, count: Int) {
        FrameDither.add(seed: seed, frame: index, scale: scale, count: count, to: frame)
    }
}

enum FrameDither {
    /// Adds seeded Gaussian noise (SplitMix64 + Box–Muller) to `frame`; the stream depends only on seed and frame
    /// index, so results do not depend on how frames are split across threads.
    static func add(seed: UInt64, frame index: Int, scale: Float, count: Int, to frame: UnsafeMutablePointer<Float>) {
        var state = seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / Double(1 << 53)
        }
        var j = 0
        while j < count {
            let r = (-2 * log(next())).squareRoot(), theta = 2 * Double.pi * next()
            frame[j] += scale * Float(r * cos(theta))
            if j + 1 < count { frame[j + 1] += scale * Float(r * sin(theta)) }
            j += 2
        }
    }
}
