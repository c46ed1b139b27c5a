import Foundation
import FuseCore

/// The architecture fields of a Whisper `config.json` (`WhisperConfig`).
public struct WhisperConfig: Sendable, Equatable {
    public let vocabSize: Int
    public let melBins: Int
    public let hiddenSize: Int
    public let encoderLayers: Int, decoderLayers: Int
    public let encoderHeads: Int, decoderHeads: Int
    public let encoderFFN: Int, decoderFFN: Int
    /// Encoder positions (frames after the stride-2 conv): 1500 for 30 s windows.
    public let maxSourcePositions: Int
    /// Decoder positions: the longest token sequence (prompt included), 448 in OpenAI's checkpoints.
    public let maxTargetPositions: Int
    public let activation: Activation
    /// `scale_embedding`: token embeddings times √d_model.
    public let scaleEmbedding: Bool
    public let tieWordEmbeddings: Bool
    public let decoderStartTokenID: Int
    public let eosTokenID: Int

    public init(_ config: ConfigFile) throws {
        let type = try config.string("model_type")
        guard type == "whisper" else {
            throw ModelError.invalidField(
                file: config.path, field: "model_type", reason: "is '\(type)', expected 'whisper'")
        }
        vocabSize = try config.size("vocab_size")
        melBins = try config.size("num_mel_bins")
        hiddenSize = try config.size("d_model")
        encoderLayers = try config.size("encoder_layers")
        decoderLayers = try config.size("decoder_layers")
        encoderHeads = try config.size("encoder_attention_heads")
        decoderHeads = try config.size("decoder_attention_heads")
        encoderFFN = try config.size("encoder_ffn_dim")
        decoderFFN = try config.size("decoder_ffn_dim")
        maxSourcePositions = try config.size("max_source_positions")
        maxTargetPositions = try config.size("max_target_positions")
        activation = try config.activation("activation_function", default: "gelu")
        scaleEmbedding = try config.bool("scale_embedding", default: false)
        tieWordEmbeddings = try config.bool("tie_word_embeddings", default: true)
        decoderStartTokenID = try config.int("decoder_start_token_id")
        eosTokenID = try config.int("eos_token_id")
        for (field, heads) in [("encoder_attention_heads", encoderHeads), ("decoder_attention_heads", decoderHeads)]
        where heads == 0 || hiddenSize % heads != 0 {
            throw ModelError.invalidField(
                file: config.path, field: field, reason: "(\(heads)) must divide d_model (\(hiddenSize))")
        }
        for (field, id) in [("decoder_start_token_id", decoderStartTokenID), ("eos_token_id", eosTokenID)]
        where !(0..<vocabSize).contains(id) {
            throw ModelError.invalidField(
                file: config.path, field: field, reason: "(\(id)) is outside the vocabulary of \(vocabSize)")
        }
    }

    /// A one-line summary of the fields that set tensor shapes, for shape errors.
    var shapeReason: String {
        "d_model \(hiddenSize), num_mel_bins \(melBins), vocab_size \(vocabSize), ffn \(encoderFFN)/\(decoderFFN), "
            + "positions \(maxSourcePositions)/\(maxTargetPositions)"
    }
}
