import Foundation

/// How wav2vec2-style models (wav2vec2, HuBERT) read audio: the raw waveform at `sampling_rate`, each input
/// normalised to zero mean and unit variance when `do_normalize` (HF `Wav2Vec2FeatureExtractor`:
/// `(x − mean) / sqrt(var + 1e-7)` over the input's own samples, which is also what it does to each row of a padded
/// batch when it has an attention mask). Tokens are `.features([samples, 1])`.
///
/// Audio longer than `maxSeconds` is cut into the fewest equal windows that fit (each normalised on its own; the
/// runtime averages their embeddings): attention over a whole hour of 20 ms frames would not fit in memory.
public struct WaveformRecipe: Sendable, Equatable {
    /// A name for messages, e.g. `"wav2vec2"` or a config file path.
    public var name: String
    public var sampleRate: Int
    public var doNormalize: Bool
    /// Longest window in seconds (default 30).
    public var maxSeconds: Double

    /// The extractor's variance floor, `1e-7`.
    public static let varianceEpsilon = 1e-7

    public init(name: String, sampleRate: Int = 16_000, doNormalize: Bool = true, maxSeconds: Double = 30) {
        self.name = name
        self.sampleRate = sampleRate
        self.doNormalize = doNormalize
        self.maxSeconds = maxSeconds
    }

    /// `Wav2Vec2FeatureExtractor`'s defaults (16 kHz, `do_normalize` true).
    public static let wav2vec2 = WaveformRecipe(name: "wav2vec2")

    /// Reads a `Wav2Vec2FeatureExtractor` `preprocessor_config.json` (`sampling_rate`, `do_normalize`,
    /// `feature_size` which must be 1; missing fields take the extractor's defaults).
    public init(preprocessorConfig json: [String: Any], source: String) throws {
        func invalid(_ reason: String) -> AudioError { .invalidRecipe(source: source, reason: reason) }
        let type = json["feature_extractor_type"] as? String
        guard type == nil || type == "Wav2Vec2FeatureExtractor" else {
            throw invalid("feature_extractor_type \(type!) is not Wav2Vec2FeatureExtractor")
        }
        var rate = 16_000
        if let value = json["sampling_rate"] {
            guard !JSONNumber.isBoolean(value), let exact = JSONNumber.exactInteger(value),
                (1000...768_000).contains(exact)
            else {
                throw invalid("sampling_rate must be an integer in 1000…768000 Hz, got \(value)")
            }
            rate = exact
        }
        if let value = json["feature_size"] {
            guard !JSONNumber.isBoolean(value), JSONNumber.exactInteger(value) == 1 else {
                throw invalid("feature_size must be 1 (mono samples), got \(value)")
            }
        }
        var normalize = true
        if let value = json["do_normalize"] {
            guard JSONNumber.isBoolean(value), let flag = value as? Bool else {
                throw invalid("do_normalize must be true or false")
            }
            normalize = flag
        }
        self.init(name: source, sampleRate: rate, doNormalize: normalize)
    }

    /// The extractor's `input_values` for one input: zero-mean unit-variance when `doNormalize` (mean and variance
    /// accumulated in Double), else the samples unchanged.
    public func inputValues(_ samples: [Float]) -> [Float] {
        guard doNormalize, !samples.isEmpty else { return samples }
        var sum: Double = 0
        for x in samples { sum += Double(x) }
        let mean = sum / Double(samples.count)
        var squares: Double = 0
        for x in samples {
            let deviation = Double(x) - mean
            squares += deviation * deviation
        }
        let inverse = 1 / (squares / Double(samples.count) + Self.varianceEpsilon).squareRoot()
        return samples.map { Float((Double($0) - mean) * inverse) }
    }

    /// Sample ranges of the windows of a `count`-sample signal: one when it fits `maxSeconds`, else the fewest
    /// windows of at most that length, of equal size (±1 sample), so no window is a sliver too short for the model.
    public func windows(sampleCount count: Int, maxSamples: Int? = nil) -> [Range<Int>] {
        let limit = max(1, maxSamples ?? Int((maxSeconds * Double(sampleRate)).rounded()))
        let pieces = max(1, (count + limit - 1) / limit)
        return (0..<pieces).map { (count * $0 / pieces)..<(count * ($0 + 1) / pieces) }
    }

    /// The tokens for `audio`: resampled to `sampleRate` (torchaudio's filter, `Resampler`), cut into windows,
    /// each normalised; `maxSamples` overrides the window length.
    public func tokens(for audio: AudioBuffer, maxSamples: Int? = nil) throws -> [Tokens] {
        var samples = audio.samples
        if audio.sampleRate != sampleRate {
            samples = try Resampler(from: audio.sampleRate, to: sampleRate).resample(samples)
        }
        guard !samples.isEmpty else {
            throw AudioError.shorterThanOneFrame(what: "audio", samples: 0, frameLength: 1)
        }
        return try windows(sampleCount: samples.count, maxSamples: maxSamples).map { range in
            let values = inputValues(Array(samples[range]))
            return try Tokens(
                modality: .audio, content: .features(try Tensor(shape: [values.count, 1], values: values)))
        }
    }
}
