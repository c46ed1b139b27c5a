import Foundation
import FuseCore
import FuseTokenizers

/// A Whisper checkpoint in Hugging Face layout (`WhisperForConditionalGeneration`): `config.json`,
/// `model.safetensors`, `preprocessor_config.json`, `generation_config.json` (and `tokenizer.json` for text).
///
/// ```swift
/// let model = try WhisperModel.load(directory: URL(fileURLWithPath: "models/whisper-tiny.en"))
/// let features = model.features.windowFeatures(samples)      // 16 kHz mono
/// let encoded = try model.encode(features)
/// ```
public struct WhisperModel: Sendable {
    public let folder: URL
    public let config: WhisperConfig
    public let features: WhisperFeatureExtractor
    public let generation: WhisperGenerationConfig
    /// The folder's `tokenizer.json` (byte-level BPE with Whisper's special tokens), when it has one.
    public let tokenizer: Tokenizer?
    let encoder: WhisperEncoder
    let decoder: WhisperDecoder

    public static func load(directory: URL) throws -> WhisperModel {
        let configFile = try ConfigFile(url: directory.appendingPathComponent("config.json"))
        let config = try WhisperConfig(configFile)
        let preprocessorURL = directory.appendingPathComponent("preprocessor_config.json")
        let preprocessor = try ConfigFile(url: preprocessorURL)
        let features = try WhisperFeatureExtractor(config: preprocessor)
        guard features.melBins == config.melBins else {
            throw ModelError.invalidField(
                file: preprocessor.path, field: "feature_size",
                reason: "is \(features.melBins) but config.json's num_mel_bins is \(config.melBins)")
        }
        guard features.windowFrames == 2 * config.maxSourcePositions else {
            throw ModelError.invalidField(
                file: preprocessor.path, field: "chunk_length",
                reason: "gives \(features.windowFrames) frames per window but the encoder takes "
                    + "\(2 * config.maxSourcePositions) (2 × max_source_positions \(config.maxSourcePositions))")
        }
        let generationURL = directory.appendingPathComponent("generation_config.json")
        let generation =
            FileManager.default.fileExists(atPath: generationURL.path)
            ? try WhisperGenerationConfig(ConfigFile(url: generationURL), model: config)
            : WhisperGenerationConfig(model: config)
        let weights = try Weights(directory: directory, anchor: "encoder.conv1.weight")
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        let tokenizer =
            FileManager.default.fileExists(atPath: tokenizerURL.path) ? try Tokenizer.load(from: tokenizerURL) : nil
        return WhisperModel(
            folder: directory, config: config, features: features, generation: generation, tokenizer: tokenizer,
            encoder: try WhisperEncoder(config: config, weights: weights),
            decoder: try WhisperDecoder(config: config, weights: weights))
    }

    /// The encoder's hidden states `[maxSourcePositions, d_model]` for one window of features
    /// (`[2 · maxSourcePositions, melBins]`, time-major, as `WhisperFeatureExtractor` makes them).
    public func encode(_ features: Tensor) throws -> Tensor { try encoder(features) }

    /// The cross-attention keys and values of encoder states, for `decode`.
    public func crossCache(_ encoded: Tensor) -> WhisperCrossCache { decoder.crossCache(encoded) }

    /// An empty self-attention cache for one decoded sequence.
    public func makeCache() -> KVCache { decoder.makeCache() }

    /// Feeds `ids` to the decoder after what `cache` holds; the logits of the last `logitRows` positions.
    public func decode(_ ids: [Int32], cache: KVCache, cross: WhisperCrossCache, logitRows: Int = 1) throws -> Tensor {
        try decoder.logits(ids, cache: cache, cross: cross, logitRows: logitRows)
    }

    /// The text of generated tokens: the ids below end-of-text (no special, language or timestamp tokens) through
    /// the tokenizer, without surrounding spaces. Throws when the folder has no `tokenizer.json`.
    public func text(of tokens: [Int32]) throws -> String {
        guard let tokenizer else {
            throw TokenizerError.fileNotFound(path: folder.appendingPathComponent("tokenizer.json").path)
        }
        let eos = Int32(generation.eosTokenID)
        return tokenizer.decode(tokens.filter { $0 < eos }).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
