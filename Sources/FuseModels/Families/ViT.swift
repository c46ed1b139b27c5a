import Foundation
import FuseCore

/// Vision Transformer (`model_type: vit`): patch conv with bias, class token, learned positions, pre-LN blocks,
/// final LayerNorm. The embedding is the class token, passed through the checkpoint's tanh pooler when it has one.
public enum ViTFamily: ModelFamily {
    public static let modelTypes = ["vit"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        let encoderConfig = try EncoderConfig.huggingFace(config, normPlacement: .pre, defaultEpsilon: 1e-12)
        let weights = try Weights(directory: directory, anchor: "embeddings.patch_embeddings.projection.weight")
        let width = encoderConfig.hiddenSize
        let patch = try config.size("patch_size")
        let image = try config.size("image_size")
        let channels = try config.size("num_channels", default: 3)
        let patches = (image / patch) * (image / patch)
        let why = "image_size \(image), patch_size \(patch), num_channels \(channels), hidden_size \(width)"
        let embedder = try PatchEmbedder(
            modality: .image,
            convolutionWeight: try weights.tensor(
                "embeddings.patch_embeddings.projection.weight",
                shape: [width, channels, patch, patch], because: why),
            bias: try weights.tensor("embeddings.patch_embeddings.projection.bias", shape: [width], because: why),
            prefix: try weights.tensor("embeddings.cls_token", shape: [1, width], because: why),
            positions: try weights.tensor("embeddings.position_embeddings", shape: [patches + 1, width], because: why))
        let encoder = TransformerEncoder(
            config: encoderConfig, layers: try weights.encoderLayers(encoderConfig, naming: .vit()),
            finalNorm: try weights.layerNorm(
                "layernorm", width: width, epsilon: encoderConfig.layerNormEpsilon,
                because: why))
        var head: [HeadStep] = []
        if weights.contains("pooler.dense.weight") {
            head = [.linear(try weights.linear("pooler.dense", in: width, out: width, because: why)), .tanh]
        }
        let tower = Tower(modality: .image, embedder: embedder, encoder: encoder, pooling: .cls, head: head)
        return EncoderModel(
            directory: directory, modelType: "vit", towers: [.image: tower],
            preprocessing: [
                .image: PreprocessingContext(
                    modelDirectory: directory, patchSize: patch,
                    patchStride: [patch, patch])
            ])
    }
}
