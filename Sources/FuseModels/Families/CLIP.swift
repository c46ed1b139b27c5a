import Foundation
import FuseCore

/// CLIP (`model_type: clip`): a causal text tower pooled at the end-of-text token and a vision tower pooled at
/// its class token, each projected (no bias) into one shared space; plus `logit_scale`.
public enum CLIPFamily: ModelFamily {
    public static let modelTypes = ["clip"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        let weights = try Weights(directory: directory, anchor: "text_model.embeddings.token_embedding.weight")
        let projection = try config.size("projection_dim")
        let (text, textEmbedder) = try textTower(
            config.section("text_config"), weights: weights,
            projection: projection)
        let (vision, patchSize) = try visionTower(
            config.section("vision_config"), weights: weights,
            projection: projection)
        try TokenizerVocabulary.check(directory: directory, vocabSize: textEmbedder.vocabSize)
        let logitScale = try weights.optionalTensor("logit_scale", shape: [], because: "a scalar")
        return EncoderModel(
            directory: directory, modelType: "clip", towers: [.text: text, .image: vision],
            preprocessing: [
                .text: PreprocessingContext(
                    modelDirectory: directory,
                    maxTokens: textEmbedder.maxPositions),
                .image: PreprocessingContext(
                    modelDirectory: directory, patchSize: patchSize,
                    patchStride: [patchSize, patchSize]),
            ],
            logitScale: logitScale?.scalars.first)
    }

    static func textTower(_ config: ConfigFile, weights: Weights, projection: Int) throws -> (Tower, IDEmbedder) {
        var encoderConfig = try EncoderConfig.huggingFace(config, normPlacement: .pre, defaultEpsilon: 1e-5)
        encoderConfig.activation = try config.activation("hidden_act", default: "quick_gelu")
        let width = encoderConfig.hiddenSize
        let vocab = try config.size("vocab_size")
        let positions = try config.size("max_position_embeddings", default: 77)
        let why = "text_config: vocab_size \(vocab), max_position_embeddings \(positions), hidden_size \(width)"
        let embedder = IDEmbedder(
            modality: .text,
            table: try weights.tensor(
                "text_model.embeddings.token_embedding.weight", shape: [vocab, width], because: why),
            positions: try weights.tensor(
                "text_model.embeddings.position_embedding.weight", shape: [positions, width],
                because: why))
        let encoder = TransformerEncoder(
            config: encoderConfig,
            layers: try weights.encoderLayers(encoderConfig, naming: .clip(stem: "text_model.encoder.layers")),
            finalNorm: try weights.layerNorm(
                "text_model.final_layer_norm", width: width,
                epsilon: encoderConfig.layerNormEpsilon, because: why))
        // transformers keeps the legacy rule for configs that say eos_token_id 2: pool at the largest id.
        let eos = try config.int("eos_token_id", default: 2)
        let tower = Tower(
            modality: .text, embedder: embedder, encoder: encoder, causal: true,
            pooling: .endOfText(tokenID: eos == 2 ? nil : Int32(eos)),
            head: [
                .linear(
                    try weights.linear(
                        "text_projection", in: width, out: projection, bias: false,
                        because: "projection_dim \(projection), hidden_size \(width)"))
            ])
        return (tower, embedder)
    }

    static func visionTower(_ config: ConfigFile, weights: Weights, projection: Int) throws -> (Tower, Int) {
        var encoderConfig = try EncoderConfig.huggingFace(config, normPlacement: .pre, defaultEpsilon: 1e-5)
        encoderConfig.activation = try config.activation("hidden_act", default: "quick_gelu")
        let width = encoderConfig.hiddenSize
        let patch = try config.size("patch_size")
        let image = try config.size("image_size")
        let channels = try config.size("num_channels", default: 3)
        let patches = (image / patch) * (image / patch)
        let why =
            "vision_config: image_size \(image), patch_size \(patch), num_channels \(channels), hidden_size \(width)"
        let epsilon = encoderConfig.layerNormEpsilon
        let embedder = try PatchEmbedder(
            modality: .image,
            convolutionWeight: try weights.tensor(
                "vision_model.embeddings.patch_embedding.weight",
                shape: [width, channels, patch, patch], because: why),
            bias: nil,
            prefix: try weights.tensor("vision_model.embeddings.class_embedding", shape: [1, width], because: why),
            positions: try weights.tensor(
                "vision_model.embeddings.position_embedding.weight",
                shape: [patches + 1, width], because: why),
            norm: try weights.layerNorm("vision_model.pre_layrnorm", width: width, epsilon: epsilon, because: why))
        let encoder = TransformerEncoder(
            config: encoderConfig,
            layers: try weights.encoderLayers(encoderConfig, naming: .clip(stem: "vision_model.encoder.layers")),
            finalNorm: nil)
        let tower = Tower(
            modality: .image, embedder: embedder, encoder: encoder, pooling: .cls,
            poolNorm: [
                .layerNorm(
                    try weights.layerNorm(
                        "vision_model.post_layernorm", width: width, epsilon: epsilon,
                        because: why))
            ],
            head: [
                .linear(
                    try weights.linear(
                        "visual_projection", in: width, out: projection, bias: false,
                        because: "projection_dim \(projection), hidden_size \(width)"))
            ])
        return (tower, patch)
    }
}
