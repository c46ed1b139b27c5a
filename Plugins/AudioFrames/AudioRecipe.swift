import Foundation

/// What the audio plugin makes of audio for a model: spectrogram patches (AST, Meta-Transformer, ImageBind) or
/// the normalised raw waveform (wav2vec2, HuBERT).
public enum AudioRecipe: Sendable, Equatable {
    case patches(AudioPatchRecipe)
    case waveform(WaveformRecipe)

    /// Reads an HF `preprocessor_config.json`, choosing by its `feature_extractor_type`: `ASTFeatureExtractor`
    /// (or none) gives patches, `Wav2Vec2FeatureExtractor` the waveform.
    public init(preprocessorConfig url: URL) throws {
        try FuseError.requireFile(url)
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        let parsed = try JSONErrorReason.jsonObject(data) { AudioError.invalidRecipe(source: url.path, reason: $0) }
        guard let json = parsed as? [String: Any] else {
            throw AudioError.invalidRecipe(source: url.path, reason: "not a JSON object")
        }
        switch json["feature_extractor_type"] as? String {
        case "Wav2Vec2FeatureExtractor":
            self = .waveform(try WaveformRecipe(preprocessorConfig: json, source: url.path))
        default:
            self = .patches(try AudioPatchRecipe(preprocessorConfig: data, source: url.path))
        }
    }

    /// The recipe's name (a built-in name or the config file it was read from).
    public var name: String {
        switch self {
        case .patches(let recipe): recipe.name
        case .waveform(let recipe): recipe.name
        }
    }
}
