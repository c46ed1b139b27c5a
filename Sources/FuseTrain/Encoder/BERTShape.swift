import Foundation
import FuseModels

/// The sizes of a BERT encoder as the training graph needs them (read from `config.json`).
public struct BERTShape: Sendable, Equatable {
    public var vocabSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var hidden: Int
    public var heads: Int
    public var layers: Int
    public var intermediate: Int
    public var layerNormEpsilon: Float
    /// `hidden_dropout_prob`: dropout on the embeddings and on each sub-layer's output before its residual sum.
    public var hiddenDropout: Float
    /// `attention_probs_dropout_prob`: dropout on the attention probabilities.
    public var attentionDropout: Float

    public init(
        vocabSize: Int, maxPositions: Int, typeVocabSize: Int, hidden: Int, heads: Int, layers: Int,
        intermediate: Int, layerNormEpsilon: Float, hiddenDropout: Float = 0, attentionDropout: Float = 0
    ) {
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.vocabSize = vocabSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.hidden = hidden
        self.heads = heads
        self.layers = layers
        self.intermediate = intermediate
        self.layerNormEpsilon = layerNormEpsilon
    }

    public var headSize: Int { hidden / heads }
}

extension BERTShape {
    /// Reads a BERT `config.json` (`model_type: bert`, `hidden_act: gelu`, absolute positions). Throws the config
    /// reader's error for a missing field and `SetFitError.invalidBody` for an architecture training cannot handle.
    public init(config url: URL) throws {
        let config = try ConfigFile(url: url)
        let modelType = try config.string("model_type", default: "bert")
        guard modelType == "bert" else {
            throw SetFitError.invalidBody(
                file: url.path, reason: "model_type \"\(modelType)\": SetFit training supports BERT encoders only")
        }
        let activation = try config.string("hidden_act", default: "gelu")
        guard activation == "gelu" else {
            throw SetFitError.invalidBody(
                file: url.path, reason: "hidden_act \"\(activation)\": training implements BERT's erf GELU only")
        }
        let positions = try config.string("position_embedding_type", default: "absolute")
        guard positions == "absolute" else {
            throw SetFitError.invalidBody(
                file: url.path, reason: "position_embedding_type \"\(positions)\": only absolute positions train")
        }
        self.init(
            vocabSize: try config.size("vocab_size"), maxPositions: try config.size("max_position_embeddings"),
            typeVocabSize: try config.size("type_vocab_size", default: 2), hidden: try config.size("hidden_size"),
            heads: try config.size("num_attention_heads"), layers: try config.size("num_hidden_layers"),
            intermediate: try config.size("intermediate_size"),
            layerNormEpsilon: Float(try config.double("layer_norm_eps", default: 1e-12)),
            hiddenDropout: Float(try config.double("hidden_dropout_prob", default: 0.1)),
            attentionDropout: Float(try config.double("attention_probs_dropout_prob", default: 0.1)))
        guard (0..<1).contains(hiddenDropout), (0..<1).contains(attentionDropout) else {
            throw SetFitError.invalidBody(
                file: url.path,
                reason: "dropout probabilities must be in [0, 1) "
                    + "(hidden_dropout_prob \(hiddenDropout), attention_probs_dropout_prob \(attentionDropout))")
        }
        guard hidden % heads == 0 else {
            throw SetFitError.invalidBody(
                file: url.path, reason: "num_attention_heads \(heads) does not divide hidden_size \(hidden)")
        }
    }
}
