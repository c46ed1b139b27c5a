import Foundation
import FuseCore

/// BERT-style encoders (`model_type: bert`), e.g. all-MiniLM-L6-v2: word + position + token-type embeddings with
/// a LayerNorm, post-LN blocks. Pooling follows the folder's sentence-transformers config (mean / CLS / max);
/// a plain BERT folder is mean-pooled.
public enum BERTFamily: ModelFamily {
    public static let modelTypes = ["bert"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        let encoderConfig = try EncoderConfig.huggingFace(config, normPlacement: .post, defaultEpsilon: 1e-12)
        let weights = try Weights(directory: directory, anchor: "embeddings.word_embeddings.weight")
        let width = encoderConfig.hiddenSize
        let vocab = try config.size("vocab_size")
        let positions = try config.size("max_position_embeddings")
        let types = try config.size("type_vocab_size", default: 2)
        let why =
            "vocab_size \(vocab), max_position_embeddings \(positions), type_vocab_size \(types), hidden_size \(width)"
        let embedder = IDEmbedder(
            modality: .text,
            table: try weights.tensor("embeddings.word_embeddings.weight", shape: [vocab, width], because: why),
            positions: try weights.tensor(
                "embeddings.position_embeddings.weight", shape: [positions, width],
                because: why),
            tokenTypes: try weights.tensor(
                "embeddings.token_type_embeddings.weight", shape: [types, width],
                because: why),
            norm: try weights.layerNorm(
                "embeddings.LayerNorm", width: width, epsilon: encoderConfig.layerNormEpsilon,
                because: why))
        let encoder = TransformerEncoder(
            config: encoderConfig,
            layers: try weights.encoderLayers(encoderConfig, naming: .bert()),
            finalNorm: nil)
        return try EncoderModel.textModel(
            directory: directory, modelType: "bert", embedder: embedder, encoder: encoder, vocabSize: vocab,
            positions: positions)
    }
}
