import Foundation

/// How a model family turns audio into normalized log-mel spectrograms and patches.
///
/// - AST and Meta-Transformer (HF `ASTFeatureExtractor`): resample to `sampling_rate`, Kaldi fbank with a Hanning
///   window and `num_mel_bins` bins, pad with zeros or crop to `max_length` frames, then `(x − mean) / (2·std)`.
///   Read from the checkpoint's `preprocessor_config.json` with `init(preprocessorConfig:)`.
/// - ImageBind (`data.load_and_transform_audio_data`): resample to 16 kHz, 3 clips × 2 s spread evenly over the
///   audio (pytorchvideo's `ConstantClipsPerVideoSampler`), each clip minus its mean, fbank with `htk_compat`,
///   pad/crop to 204 frames, `(x − mean) / std` with ImageBind's constants −4.268 / 9.138.
///
/// Patches are 16 × 16 with stride 10 × 10 (`[frequency, time]`) by default; a `PreprocessingContext` may override.
public struct AudioPatchRecipe: Sendable, Equatable {
    /// How clips are taken from the audio.
    public enum Clips: Sendable, Equatable {
        /// The whole audio as consecutive windows of `targetLength` frames, `hopFrames` apart (AST and
        /// Meta-Transformer). Audio that fits one window gives exactly the reference's single padded window.
        case windows
        /// `count` clips of `seconds` each, starts spread evenly from 0 to `duration − seconds` (ImageBind).
        case evenlySpaced(count: Int, seconds: Double)
    }

    /// A name for messages and caches, e.g. `"ast"` or a config file path.
    public var name: String
    public var sampleRate: Int
    public var fbank: FbankOptions
    /// Frames per spectrogram after zero padding or cropping (`max_length`, ImageBind's 204).
    public var targetLength: Int
    public var doNormalize: Bool
    public var mean: Float
    public var std: Float
    /// The divisor is `normalizationScale · std`: 2 for AST, 1 for ImageBind.
    public var normalizationScale: Float
    public var clips: Clips
    /// Subtract each clip's mean sample before the fbank (ImageBind).
    public var removeClipMean: Bool
    public var patchSize: Int
    /// `[frequency, time]` strides.
    public var patchStride: [Int]

    public init(
        name: String, sampleRate: Int, fbank: FbankOptions, targetLength: Int, doNormalize: Bool, mean: Float,
        std: Float, normalizationScale: Float, clips: Clips, removeClipMean: Bool, patchSize: Int = 16,
        patchStride: [Int] = [10, 10]
    ) {
        self.name = name
        self.sampleRate = sampleRate
        self.fbank = fbank
        self.targetLength = targetLength
        self.doNormalize = doNormalize
        self.mean = mean
        self.std = std
        self.normalizationScale = normalizationScale
        self.clips = clips
        self.removeClipMean = removeClipMean
        self.patchSize = patchSize
        self.patchStride = patchStride
    }

    /// `ASTFeatureExtractor`'s defaults (AudioSet statistics, 128 mel, 1024 frames, 16 kHz), which
    /// Meta-Transformer's audio tokenizer shares.
    public static let ast = AudioPatchRecipe(
        name: "ast", sampleRate: 16_000, fbank: .ast(numMelBins: 128), targetLength: 1024, doNormalize: true,
        mean: -4.2677393, std: 4.5689974, normalizationScale: 2, clips: .windows, removeClipMean: false)

    /// ImageBind's audio recipe, with the constants of its `data.py` (ImageBind ships no preprocessor file).
    public static let imageBind = AudioPatchRecipe(
        name: "imagebind", sampleRate: 16_000, fbank: .imageBind(numMelBins: 128), targetLength: 204,
        doNormalize: true, mean: -4.268, std: 9.138, normalizationScale: 1,
        clips: .evenlySpaced(count: 3, seconds: 2), removeClipMean: true)

    /// Most mel bins a preprocessor config may ask for (AST uses 128).
    public static let maximumMelBins = 1024
    /// Longest `max_length` (frames per window) a preprocessor config may ask for (AST uses 1024).
    public static let maximumTargetLength = 1 << 16

    /// Reads an HF `preprocessor_config.json` of `ASTFeatureExtractor` (fields `num_mel_bins`, `max_length`,
    /// `mean`, `std`, `do_normalize`, `sampling_rate`; missing ones take the extractor's defaults).
    public init(preprocessorConfig url: URL) throws {
        try FuseError.requireFile(url)
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        try self.init(preprocessorConfig: data, source: url.path)
    }

    /// Parses `preprocessor_config.json` content; `source` names it in errors.
    public init(preprocessorConfig data: Data, source: String) throws {
        let parsed = try JSONErrorReason.jsonObject(data) { AudioError.invalidRecipe(source: source, reason: $0) }
        guard let json = parsed as? [String: Any] else {
            throw AudioError.invalidRecipe(source: source, reason: "not a JSON object")
        }
        if let type = json["feature_extractor_type"] as? String, type != "ASTFeatureExtractor" {
            throw AudioError.invalidRecipe(
                source: source,
                reason: "feature_extractor_type \(type) is not "
                    + "ASTFeatureExtractor; pass options[\"recipe\"] for other families")
        }
        func number(_ key: String, _ fallback: Double) throws -> Double {
            guard let value = json[key] else { return fallback }
            guard let n = value as? NSNumber, !(value is Bool), n.doubleValue.isFinite else {
                throw AudioError.invalidRecipe(source: source, reason: "\(key) must be a number, got \(value)")
            }
            return n.doubleValue
        }
        let base = Self.ast
        let bins = try number("num_mel_bins", 128), frames = try number("max_length", 1024)
        let rate = try number("sampling_rate", 16_000)
        let mean = try number("mean", Double(base.mean)), std = try number("std", Double(base.std))
        var normalize = true
        if let value = json["do_normalize"] {
            guard let flag = value as? Bool else {
                throw AudioError.invalidRecipe(source: source, reason: "do_normalize must be true or false")
            }
            normalize = flag
        }
        // Upper bounds too: Int(1e300) traps, and a max_length of 10¹² would size a terabyte spectrogram.
        guard (4...Double(Self.maximumMelBins)).contains(bins), bins == bins.rounded(),
            (1...Double(Self.maximumTargetLength)).contains(frames), frames == frames.rounded(),
            (1000...768_000).contains(rate), rate == rate.rounded()
        else {
            throw AudioError.invalidRecipe(
                source: source,
                reason: "num_mel_bins \(bins), max_length \(frames) and "
                    + "sampling_rate \(rate) must be integers in 4…\(Self.maximumMelBins), "
                    + "1…\(Self.maximumTargetLength) and 1000…768000 Hz")
        }
        guard !normalize || std > 0 else {
            throw AudioError.invalidRecipe(source: source, reason: "std must be positive, got \(std)")
        }
        self.init(
            name: source, sampleRate: Int(rate), fbank: .ast(numMelBins: Int(bins), sampleFrequency: rate),
            targetLength: Int(frames), doNormalize: normalize, mean: Float(mean), std: Float(std),
            normalizationScale: 2, clips: .windows, removeClipMean: false)
        try fbank.validate()
    }

    /// Normalizes a `[frames, mel]` fbank padded/cropped to `targetLength` rows, starting at frame `start`.
    func window(of features: Tensor, start: Int) -> Tensor {
        let width = features.shape[1], frames = features.shape[0]
        let take = max(0, min(targetLength, frames - start))
        let scale = normalizationScale * std
        return features.withUnsafeBufferPointer { src in
            Tensor(shape: [targetLength, width]) { out in
                let pad: Float = doNormalize ? (0 - mean) / scale : 0
                if take > 0 {
                    let from = src.baseAddress! + start * width
                    for i in 0..<(take * width) { out[i] = doNormalize ? (from[i] - mean) / scale : from[i] }
                }
                for i in (take * width)..<(targetLength * width) { out[i] = pad }
            }
        }
    }

    /// ImageBind's clip bounds in samples for a signal of `count` samples: pytorchvideo's clip starts
    /// `i · max(duration − seconds, 0) / (clips − 1)` seconds, exact `Fraction`s of the float duration, floored to
    /// samples as `int(t · sample_rate)`; each clip is `seconds · rate` samples, cut short at the end of the signal.
    static func clipBounds(sampleCount count: Int, sampleRate: Int, clips: Int, seconds: Double) -> [Range<Int>] {
        let rate = Double(sampleRate)
        let spread = max(Double(count) / rate - seconds, 0)  // a float in Python too (float − Fraction → float)
        let length = Int((seconds * rate).rounded())
        return (0..<clips).map { i in
            let start = exactFloor(spread, times: Double(i * sampleRate), over: Double(max(clips - 1, 1)))
            return min(start, count)..<min(start + length, count)
        }
    }

    /// `floor(m · c / d)` of the exact real product (not of its rounded double), as Python's `Fraction` gives.
    static func exactFloor(_ m: Double, times c: Double, over d: Double) -> Int {
        let p = m * c
        let error = (-p).addingProduct(m, c)  // m·c = p + error exactly
        var q = (p / d).rounded(.down)
        let r = p.addingProduct(-q, d) + error
        if r < 0 { q -= 1 } else if r >= d { q += 1 }
        return Int(q)
    }
}
