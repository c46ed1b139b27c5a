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
    /// The precision the encoder's transformer layers and the decoder's linear layers compute in (`load`'s, `.auto`
    /// resolved; fp32 when the CPU could not run the one asked for).
    public let precision: Precision
    /// Why the model runs in another precision than was asked for (a CPU without the kernels), else nil.
    public let precisionNote: String?
    let encoder: WhisperEncoder
    let decoder: WhisperDecoder

    /// Loads a Whisper folder computing in `precision` (fp32, the exact path, by default; see `converted(to:)`).
    public static func load(directory: URL, precision: Precision = .fp32) throws -> WhisperModel {
        try load(directory: directory).converted(to: precision)
    }

    /// The model computing in `precision` (`.auto` resolved for this CPU): the encoder's transformer layers as every
    /// encoder's (`PrecisionConverter`: oneDNN, int8 keeping the MLP down-projection in bf16 or fp32), the decoder's
    /// linear layers with weights stored in that precision and fp32 sums (`WhisperStepLinear`; int8 keeps `fc2` and
    /// the vocabulary projection in bf16, see `WhisperDecoder.converted`). The log-mel front end, conv stem, embeddings, LayerNorms and attention stay fp32. When
    /// the CPU cannot run it, the model stays fp32 and `precisionNote` says why.
    public func converted(to precision: Precision) throws -> WhisperModel {
        let target = precision.resolved
        guard target != self.precision else { return self }
        guard target != .fp32 else {
            return try WhisperModel.load(directory: folder)
        }
        // int8: the encoder's GEMMs in bf16 (its int8 activations tipped greedy transcripts of samples/audio; bf16
        // keeps them and costs ~3 % of the run), the decoder's step weights int8 (bf16 where WhisperDecoder says).
        let converter = PrecisionConverter(precision: target == .int8 ? .bf16 : target)
        do {
            return WhisperModel(
                folder: folder, config: config, features: features, generation: generation, tokenizer: tokenizer,
                precision: target, precisionNote: nil, encoder: try encoder.converted(converter),
                decoder: decoder.converted(to: target))
        } catch let unavailable as PrecisionUnavailable {
            return WhisperModel(
                folder: folder, config: config, features: features, generation: generation, tokenizer: tokenizer,
                precision: self.precision, precisionNote: "\(unavailable); running \(self.precision)", encoder: encoder,
                decoder: decoder)
        }
    }

    private static func load(directory: URL) throws -> WhisperModel {
        let configFile = try ConfigFile(url: directory.appendingPathComponent("config.json"))
        try configFile.refuseForeignQuantization()
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
            precision: .fp32, precisionNote: nil, encoder: try WhisperEncoder(config: config, weights: weights),
            decoder: try WhisperDecoder(config: config, weights: weights))
    }

    /// The encoder's hidden states `[maxSourcePositions, d_model]` for one window of features
    /// (`[2 · maxSourcePositions, melBins]`, time-major, as `WhisperFeatureExtractor` makes them).
    public func encode(_ features: Tensor) throws -> Tensor { try encoder(features) }

    /// The cross-attention keys and values of encoder states, for `decode`.
    public func crossCache(_ encoded: Tensor) -> WhisperCrossCache { decoder.crossCache(encoded) }

    /// An empty self-attention cache for one decoded sequence.
    public func makeCache() -> WhisperDecoderCache { decoder.makeCache() }

    /// Feeds `ids` to the decoder after what `cache` holds; the logits of the last `logitRows` positions
    /// (`[logitRows, vocab]`; the cache grows by `ids.count`).
    public func decode(
        _ ids: [Int32], cache: WhisperDecoderCache, cross: WhisperCrossCache, logitRows: Int = 1
    ) throws -> Tensor {
        let workspace = cache.workspace ?? decoder.makeWorkspace(rows: ids.count)
        cache.workspace = workspace
        let rows = min(max(logitRows, 1), ids.count)
        let logits = try decoder.step(ids, caches: [cache], cross: cross, workspace: workspace, logitRows: rows)
        return Tensor(shape: [rows, config.vocabSize]) { $0.baseAddress!.update(from: logits, count: $0.count) }
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
