import Foundation
import FuseCore

/// Whisper's log-mel front end, as transformers' `WhisperFeatureExtractor` computes it (its float64 NumPy path):
/// the waveform is padded with zeros (or cut) to `chunk_length` seconds, framed with a centred, reflect-padded
/// periodic Hann window of `n_fft` samples every `hop_length` samples, turned into a power spectrum, projected onto
/// `feature_size` Slaney mel filters (0–8 kHz), `log10` of it (floored at 1e-10) clamped to eight decades under its
/// maximum and mapped through `(x + 4) / 4`; the last frame is dropped.
///
/// The spectrum is a DFT done as one float64 GEMM (a 400-point transform has no power-of-two FFT, and float64 is
/// what keeps the quiet bands of a pure tone within 1e-4 of NumPy's).
public struct WhisperFeatureExtractor: Sendable {
    public let melBins: Int
    public let sampleRate: Int
    public let hopLength: Int
    public let fftLength: Int
    /// Samples per window (`chunk_length · sampling_rate`), and frames per window (`n_samples / hop_length`).
    public let windowSamples: Int
    public var windowFrames: Int { windowSamples / hopLength }
    /// `[fftLength/2 + 1, melBins]`, row-major.
    let melFilters: [Double]
    /// `[fftLength, 2 · bins]`: Hann-windowed cosines then sines, so one GEMM gives every frame's real and imaginary
    /// parts.
    let basis: [Double]

    public init(
        melBins: Int, sampleRate: Int = 16_000, hopLength: Int = 160, chunkSeconds: Int = 30, fftLength: Int = 400
    ) {
        self.melBins = melBins
        self.sampleRate = sampleRate
        self.hopLength = hopLength
        self.fftLength = fftLength
        windowSamples = chunkSeconds * sampleRate
        let bins = fftLength / 2 + 1
        melFilters = Self.slaneyFilters(bins: bins, melBins: melBins, sampleRate: sampleRate)
        var basis = [Double](repeating: 0, count: fftLength * 2 * bins)
        for n in 0..<fftLength {
            let window = 0.5 - 0.5 * cos(2 * Double.pi * Double(n) / Double(fftLength))
            for k in 0..<bins {
                // The angle reduced modulo the length first keeps cos/sin exact for large n·k.
                let angle = 2 * Double.pi * Double((n * k) % fftLength) / Double(fftLength)
                basis[n * 2 * bins + k] = window * cos(angle)
                basis[n * 2 * bins + bins + k] = -window * sin(angle)
            }
        }
        self.basis = basis
    }

    /// Reads `preprocessor_config.json` (`feature_size`, `sampling_rate`, `hop_length`, `chunk_length`, `n_fft`).
    public init(config: ConfigFile) throws {
        let fft = try config.size("n_fft", default: 400)
        guard fft >= 2 else { throw ModelError.invalidField(file: config.path, field: "n_fft", reason: "must be ≥ 2") }
        self.init(
            melBins: try config.size("feature_size"), sampleRate: try config.size("sampling_rate", default: 16_000),
            hopLength: try config.size("hop_length", default: 160),
            chunkSeconds: try config.size("chunk_length", default: 30), fftLength: fft)
    }

    /// The features of one window: `samples` padded with zeros or cut to `windowSamples`; `[windowFrames, melBins]`,
    /// time-major (transformers' `input_features` transposed).
    public func windowFeatures(_ samples: [Float]) -> Tensor {
        var fixed = [Float](repeating: 0, count: windowSamples)
        let used = min(samples.count, windowSamples)
        fixed.replaceSubrange(0..<used, with: samples[0..<used])
        return logMel(fixed)
    }

    /// The features of a recording as OpenAI's `whisper` and faster-whisper prepare them before cutting windows: the
    /// log-mel of the samples followed by one hop of zeros, without its last frame, so `samples.count / hopLength`
    /// frames (`[frames, melBins]`, time-major). `WhisperModel.generate` pads each window's frames with zeros (in
    /// the log-mel domain, as they and transformers' long-form `generate` do), unlike transformers' processor,
    /// which pads the audio itself to a window (`windowFeatures`).
    public func contentFeatures(_ samples: [Float]) -> Tensor {
        let frames = samples.count / hopLength
        let features = logMel(samples + [Float](repeating: 0, count: hopLength))
        return (try? features.rows(0..<frames)) ?? features
    }

    /// The features of the whole signal without padding it to a window (transformers' long-form input, with
    /// `truncation=False, padding="longest"`): `[samples.count / hopLength, melBins]`, time-major. A signal of
    /// fewer than two samples is padded with zeros to two (reflect padding needs two).
    public func logMel(_ samples: [Float]) -> Tensor {
        let signal = samples.count >= 2 ? samples : samples + [Float](repeating: 0, count: 2 - samples.count)
        let half = fftLength / 2, bins = fftLength / 2 + 1
        let frames = max(signal.count / hopLength, 1)  // 1 + count/hop frames, the last one dropped
        let padded = Self.reflectPadded(signal, by: half)
        var frameMatrix = [Double](repeating: 0, count: frames * fftLength)
        for f in 0..<frames {
            let start = f * hopLength
            for n in 0..<fftLength { frameMatrix[f * fftLength + n] = Double(padded[start + n]) }
        }
        var spectrum = [Double](repeating: 0, count: frames * 2 * bins)
        frameMatrix.withUnsafeBufferPointer { a in
            basis.withUnsafeBufferPointer { b in
                spectrum.withUnsafeMutableBufferPointer { c in
                    Kernels.gemm(
                        transposeA: false, transposeB: false, m: frames, n: 2 * bins, k: fftLength,
                        a: a.baseAddress!, lda: fftLength, b: b.baseAddress!, ldb: 2 * bins, c: c.baseAddress!,
                        ldc: 2 * bins)
                }
            }
        }
        var power = [Double](repeating: 0, count: frames * bins)
        for f in 0..<frames {
            for k in 0..<bins {
                let re = spectrum[f * 2 * bins + k], im = spectrum[f * 2 * bins + bins + k]
                power[f * bins + k] = re * re + im * im
            }
        }
        var mel = [Double](repeating: 0, count: frames * melBins)
        power.withUnsafeBufferPointer { a in
            melFilters.withUnsafeBufferPointer { b in
                mel.withUnsafeMutableBufferPointer { c in
                    Kernels.gemm(
                        transposeA: false, transposeB: false, m: frames, n: melBins, k: bins,
                        a: a.baseAddress!, lda: bins, b: b.baseAddress!, ldb: melBins, c: c.baseAddress!,
                        ldc: melBins)
                }
            }
        }
        // NumPy casts the log mel to float32 before the clamp and the scaling.
        var logs = mel.map { Float(log10(max($0, 1e-10))) }
        let ceiling = (logs.max() ?? 0) - 8
        for i in logs.indices { logs[i] = (max(logs[i], ceiling) + 4) / 4 }
        return Tensor(shape: [frames, melBins]) { _ = $0.update(fromContentsOf: logs) }
    }

    /// NumPy's `np.pad(x, by, mode="reflect")`, repeating the reflection when `by` exceeds the signal.
    static func reflectPadded(_ x: [Float], by pad: Int) -> [Float] {
        let n = x.count, period = 2 * (n - 1)
        return (-pad..<(n + pad)).map { i in
            var j = i % period
            if j < 0 { j += period }
            return x[j < n ? j : period - j]
        }
    }

    /// transformers' `mel_filter_bank(norm="slaney", mel_scale="slaney")` from 0 to 8 kHz: triangles between
    /// `melBins + 2` points equally spaced in Slaney mel, each scaled to unit area; `[bins, melBins]`.
    static func slaneyFilters(bins: Int, melBins: Int, sampleRate: Int) -> [Double] {
        let logStep = 27.0 / log(6.4)
        func toMel(_ hertz: Double) -> Double {
            hertz >= 1000 ? 15 + log(hertz / 1000) * logStep : 3 * hertz / 200
        }
        func toHertz(_ mel: Double) -> Double {
            mel >= 15 ? 1000 * exp((mel - 15) / logStep) : 200 * mel / 3
        }
        let low = toMel(0), high = toMel(8000)
        let points = (0..<(melBins + 2)).map { toHertz(low + (high - low) * Double($0) / Double(melBins + 1)) }
        let nyquist = Double(sampleRate / 2)
        var filters = [Double](repeating: 0, count: bins * melBins)
        for k in 0..<bins {
            let frequency = bins > 1 ? nyquist * Double(k) / Double(bins - 1) : 0
            for m in 0..<melBins {
                let down = (frequency - points[m]) / (points[m + 1] - points[m])
                let up = (points[m + 2] - frequency) / (points[m + 2] - points[m + 1])
                let area = 2 / (points[m + 2] - points[m])
                filters[k * melBins + m] = max(0, min(down, up)) * area
            }
        }
        return filters
    }
}
