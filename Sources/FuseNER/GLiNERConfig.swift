import Foundation
import FuseModels

/// What `gliner_config.json` says about a span-level, uni-encoder GLiNER (gliner v0.2.x `GLiNERConfig`), checked
/// against what Fuse implements: span mode `markerV0`, first-sub-token word vectors, at most one LSTM layer, no
/// post-fusion, fused layers, label encoder/decoder or relation head.
public struct GLiNERConfig: Sendable, Equatable {
    /// Spans cover 1…`maxWidth` words.
    public var maxWidth: Int
    /// GLiNER's width (the backbone's output is projected to it when they differ).
    public var hiddenSize: Int
    /// The longest text (in words) gliner reads at once; Fuse cuts longer texts into windows of this many words.
    public var maxLength: Int
    /// Bidirectional LSTM layers over the words (0 or 1).
    public var rnnLayers: Int
    /// Label vectors from the `<<ENT>>` token itself (true) or from the token after it.
    public var embedEntityToken: Bool
    public var entityToken: String
    public var separatorToken: String

    /// Reads `url` (a `gliner_config.json`).
    public init(url: URL) throws {
        let config = try ConfigFile(url: url)
        let file = url.path
        func require(_ field: String, _ value: String, in allowed: [String], _ supported: String) throws {
            guard allowed.contains(value) else {
                throw NERError.unsupportedConfig(file: file, field: field, value: value, supported: supported)
            }
        }
        try require(
            "span_mode", try config.string("span_mode", default: "markerV0"), in: ["markerV0"],
            "only markerV0 (the span mode of urchade/gliner_* checkpoints)")
        try require(
            "subtoken_pooling", try config.string("subtoken_pooling", default: "first"), in: ["first"],
            "only first (each word read at its first sub-token)")
        try require(
            "words_splitter_type", try config.string("words_splitter_type", default: "whitespace"),
            in: ["whitespace"], "only whitespace (the regex \\w+(?:[-_]\\w+)*|\\S)")
        try require(
            "post_fusion_schema", try config.string("post_fusion_schema", default: ""), in: [""],
            "only an empty schema (no cross-fusion layers)")
        if config.has("model_type") {
            try require(
                "model_type", try config.string("model_type"), in: ["gliner"],
                "only the span-level uni-encoder GLiNER")
        }
        for field in ["labels_encoder", "labels_decoder", "relations_layer", "span_encoder_config"]
        where config.has(field) {
            throw NERError.unsupportedConfig(
                file: file, field: field, value: "set", supported: "only the uni-encoder span model (no \(field))")
        }
        if try config.bool("fuse_layers", default: false) {
            throw NERError.unsupportedConfig(
                file: file, field: "fuse_layers", value: "true", supported: "only the backbone's last layer")
        }
        maxWidth = try config.size("max_width", default: 12)
        hiddenSize = try config.size("hidden_size", default: 512)
        maxLength = try config.size("max_len", default: 384)
        rnnLayers = try config.int("num_rnn_layers", default: 1)
        guard (0...1).contains(rnnLayers) else {
            throw NERError.unsupportedConfig(
                file: file, field: "num_rnn_layers", value: "\(rnnLayers)", supported: "0 or 1 LSTM layers")
        }
        guard maxWidth >= 1, maxLength >= 1, hiddenSize >= 1, rnnLayers == 0 || hiddenSize % 2 == 0 else {
            throw NERError.unsupportedConfig(
                file: file, field: "max_width / max_len / hidden_size",
                value: "\(maxWidth) / \(maxLength) / \(hiddenSize)",
                supported: "positive values (hidden_size even under the bidirectional LSTM)")
        }
        embedEntityToken = try config.bool("embed_ent_token", default: true)
        entityToken = try config.string("ent_token", default: "<<ENT>>")
        separatorToken = try config.string("sep_token", default: "<<SEP>>")
    }
}
