/// The options of `torchaudio.compliance.kaldi.fbank` (and Kaldi's `compute-fbank-feats`), with the same
/// defaults and meanings; names are torchaudio's in lower camel case.
public struct FbankOptions: Sendable, Equatable, Hashable {
    /// Kaldi's analysis windows.
    public enum WindowType: String, Sendable, Equatable, Hashable, CaseIterable {
        case hamming, hanning, povey, rectangular, blackman
    }

    /// Constant of the generalized Blackman window.
    public var blackmanCoeff: Double = 0.42
    /// Gaussian dither added to every frame sample, times this constant (0: none, the default here).
    public var dither: Double = 0
    /// Seed of the dither noise, so dithered features are reproducible (torch's RNG stream is not reproduced).
    public var ditherSeed: UInt64 = 0
    /// Floor on the log energy column: `max(log E, log energyFloor)` unless 0.
    public var energyFloor: Double = 1
    /// Frame length in milliseconds.
    public var frameLength: Double = 25
    /// Frame shift in milliseconds.
    public var frameShift: Double = 10
    /// High edge of the mel bins in Hz; ≤ 0 means an offset from Nyquist.
    public var highFreq: Double = 0
    /// Puts the energy column last instead of first.
    public var htkCompat = false
    /// Low edge of the mel bins in Hz.
    public var lowFreq: Double = 20
    /// Signals shorter than this (seconds) give zero frames.
    public var minDuration: Double = 0
    public var numMelBins = 23
    public var preemphasisCoefficient: Double = 0.97
    /// Energy measured before pre-emphasis and windowing.
    public var rawEnergy = true
    /// Subtracts each frame's mean.
    public var removeDcOffset = true
    /// Zero-pads each frame to the next power of two before the FFT.
    public var roundToPowerOfTwo = true
    public var sampleFrequency: Double = 16_000
    /// true: only frames that fit wholly in the signal; false: reflect the signal at both ends.
    public var snipEdges = true
    /// Subtracts each feature column's mean over the frames.
    public var subtractMean = false
    /// Adds the log energy as an extra column.
    public var useEnergy = false
    /// Log mel energies (floored at float epsilon) instead of linear ones.
    public var useLogFbank = true
    /// Power spectrum (|X|²) instead of magnitude.
    public var usePower = true
    /// VTLN inflection points and warp factor (1: no warping).
    public var vtlnHigh: Double = -500
    public var vtlnLow: Double = 100
    public var vtlnWarp: Double = 1
    public var windowType: WindowType = .povey

    public init() {}

    /// The settings HF's `ASTFeatureExtractor` passes (Hanning window, `numMelBins` bins, rest default).
    public static func ast(numMelBins: Int = 128, sampleFrequency: Double = 16_000) -> FbankOptions {
        var options = FbankOptions()
        options.windowType = .hanning
        options.numMelBins = numMelBins
        options.sampleFrequency = sampleFrequency
        return options
    }

    /// The settings of ImageBind's `waveform2melspec` (Hanning, `htk_compat`, no energy, no dither).
    public static func imageBind(numMelBins: Int = 128, sampleFrequency: Double = 16_000) -> FbankOptions {
        var options = ast(numMelBins: numMelBins, sampleFrequency: sampleFrequency)
        options.htkCompat = true
        return options
    }

    /// Samples per frame (`window_size`), per shift, and per FFT (`padded_window_size`).
    public var windowSize: Int { Int(sampleFrequency * frameLength * 0.001) }
    public var windowShift: Int { Int(sampleFrequency * frameShift * 0.001) }
    public var paddedWindowSize: Int {
        roundToPowerOfTwo ? Self.nextPowerOfTwo(windowSize) : windowSize
    }
    /// Columns of the output: mel bins plus the energy column when `useEnergy`.
    public var featureCount: Int { numMelBins + (useEnergy ? 1 : 0) }

    /// Checks the options as torchaudio's assertions do, naming the offending option.
    public func validate() throws {
        guard sampleFrequency > 0, sampleFrequency.isFinite else {
            throw AudioError.invalidOption(name: "sampleFrequency", reason: "must be positive, got \(sampleFrequency)")
        }
        guard windowSize >= 2 else {
            throw AudioError.invalidOption(
                name: "frameLength",
                reason: "\(frameLength) ms gives \(windowSize) samples; need at least 2")
        }
        guard windowShift > 0 else {
            throw AudioError.invalidOption(name: "frameShift", reason: "\(frameShift) ms gives no samples")
        }
        guard paddedWindowSize % 2 == 0 else {
            throw AudioError.invalidOption(
                name: "frameLength",
                reason: "the FFT size \(paddedWindowSize) is odd; "
                    + "set roundToPowerOfTwo or change frameLength")
        }
        guard (0...1).contains(preemphasisCoefficient) else {
            throw AudioError.invalidOption(name: "preemphasisCoefficient", reason: "must be in [0, 1]")
        }
        guard numMelBins > 3 else {
            throw AudioError.invalidOption(name: "numMelBins", reason: "need at least 4 mel bins, got \(numMelBins)")
        }
        guard dither >= 0, dither.isFinite else {
            throw AudioError.invalidOption(name: "dither", reason: "must be ≥ 0, got \(dither)")
        }
        let nyquist = sampleFrequency / 2
        let high = highFreq <= 0 ? highFreq + nyquist : highFreq
        guard lowFreq >= 0, lowFreq < nyquist, high > 0, high <= nyquist, lowFreq < high else {
            throw AudioError.invalidOption(
                name: "lowFreq/highFreq",
                reason: "\(lowFreq)…\(high) Hz must lie within 0…\(nyquist) Hz, low < high")
        }
        if vtlnWarp != 1 {
            let vHigh = vtlnHigh < 0 ? vtlnHigh + nyquist : vtlnHigh
            guard lowFreq < vtlnLow, vtlnLow < high, vHigh > 0, vHigh < high, vtlnLow < vHigh else {
                throw AudioError.invalidOption(
                    name: "vtlnLow/vtlnHigh",
                    reason: "\(vtlnLow)…\(vHigh) Hz must lie inside \(lowFreq)…\(high) Hz")
            }
        }
    }

    static func nextPowerOfTwo(_ x: Int) -> Int {
        x <= 1 ? 1 : 1 << (Int.bitWidth - (x - 1).leadingZeroBitCount)
    }
}
