import Foundation
import FuseCore

/// The `config.json` fields wav2vec2 and HuBERT share: the conv feature encoder's lists, the positional conv, the
/// encoder variant (`do_stable_layer_norm`) and the transformer's shape.
public struct SpeechEncoderConfig: Sendable {
    public var convDims: [Int]
    public var convKernels: [Int]
    public var convStrides: [Int]
    public var convBias: Bool
    public var normalization: ConvFeatureEncoder.Normalization
    public var featureActivation: Activation
    public var positionKernel: Int
    public var positionGroups: Int
    /// Pre-LN blocks and a final LayerNorm (`do_stable_layer_norm`, the "large" checkpoints) instead of post-LN
    /// blocks after an input LayerNorm.
    public var stableLayerNorm: Bool
    public var encoder: EncoderConfig

    /// Reads and cross-checks the fields; lists of different lengths and groups that do not divide the width are
    /// named errors.
    public init(_ config: ConfigFile) throws {
        convDims = try config.ints("conv_dim")
        convKernels = try config.ints("conv_kernel")
        convStrides = try config.ints("conv_stride")
        let lengths = [convDims.count, convKernels.count, convStrides.count]
        let declared = config.has("num_feat_extract_layers") ? try config.size("num_feat_extract_layers") : nil
        guard Set(lengths).count == 1, declared == nil || declared == convDims.count, !convDims.isEmpty else {
            throw config.invalid(
                "conv_dim",
                "conv_dim, conv_kernel and conv_stride need one entry per conv layer"
                    + (declared.map { " (num_feat_extract_layers \($0))" } ?? "")
                    + ", but have \(convDims.count), \(convKernels.count) and \(convStrides.count) entries")
        }
        for (key, values) in [("conv_dim", convDims), ("conv_kernel", convKernels), ("conv_stride", convStrides)] {
            guard values.allSatisfy({ $0 > 0 }) else {
                throw config.invalid(key, "should hold positive sizes, got \(values)")
            }
        }
        convBias = try config.bool("conv_bias", default: false)
        let norm = try config.string("feat_extract_norm", default: "group")
        guard let normalization = ConvFeatureEncoder.Normalization(rawValue: norm) else {
            throw config.invalid("feat_extract_norm", "is '\(norm)'; expected 'group' or 'layer'")
        }
        self.normalization = normalization
        featureActivation = try config.activation("feat_extract_activation", default: "gelu")
        positionKernel = try config.size("num_conv_pos_embeddings", default: 128)
        positionGroups = try config.size("num_conv_pos_embedding_groups", default: 16)
        stableLayerNorm = try config.bool("do_stable_layer_norm", default: false)
        encoder = try EncoderConfig.huggingFace(
            config, normPlacement: stableLayerNorm ? .pre : .post,
            defaultEpsilon: 1e-5)
        guard encoder.hiddenSize % positionGroups == 0 else {
            throw config.invalid(
                "num_conv_pos_embedding_groups",
                "(\(positionGroups)) does not divide hidden_size \(encoder.hiddenSize)")
        }
    }

    var shapeReason: String {
        "conv_dim \(convDims), conv_kernel \(convKernels), hidden_size \(encoder.hiddenSize), "
            + "num_conv_pos_embeddings \(positionKernel), num_conv_pos_embedding_groups \(positionGroups)"
    }
}

/// Builds the audio tower of a wav2vec2-style checkpoint (wav2vec2, HuBERT) through the shared `Weights` loader.
enum SpeechEncoderLoader {
    /// - Parameter projectionNorm: whether `feature_projection` has its LayerNorm (always for wav2vec2; HuBERT's
    ///   `feat_proj_layer_norm`).
    static func load(
        directory: URL, config: ConfigFile, modelType: String, projectionNorm: Bool,
        positionBatchNorm: Bool
    ) throws -> EncoderModel {
        let speech = try SpeechEncoderConfig(config)
        let weights = try Weights(directory: directory, anchor: "feature_extractor.conv_layers.0.conv.weight")
        let width = speech.encoder.hiddenSize
        let epsilon = speech.encoder.layerNormEpsilon
        let why = speech.shapeReason
        let embedder = WaveformEmbedder(
            featureEncoder: try featureEncoder(speech, weights: weights),
            projectionNorm: projectionNorm
                ? try weights.layerNorm(
                    "feature_projection.layer_norm", width: speech.convDims.last!,
                    epsilon: epsilon, because: why) : nil,
            projection: try weights.linear(
                "feature_projection.projection", in: speech.convDims.last!, out: width,
                because: why),
            positions: try positionalConv(speech, weights: weights, batchNorm: positionBatchNorm),
            inputNorm: speech.stableLayerNorm
                ? nil : try weights.layerNorm("encoder.layer_norm", width: width, epsilon: epsilon, because: why))
        let encoder = TransformerEncoder(
            config: speech.encoder, layers: try weights.encoderLayers(speech.encoder, naming: .wav2vec2()),
            finalNorm: speech.stableLayerNorm
                ? try weights.layerNorm("encoder.layer_norm", width: width, epsilon: epsilon, because: why) : nil)
        // No projection head: the embedding is the mean of the last hidden states over the frames (normalised by
        // the runtime), as docs/MODELS.md says.
        let tower = Tower(modality: .audio, embedder: embedder, encoder: encoder, pooling: .mean)
        return EncoderModel(
            directory: directory, modelType: modelType, towers: [.audio: tower],
            preprocessing: [
                .audio: PreprocessingContext(
                    modelDirectory: directory,
                    options: ["recipe": "wav2vec2"])
            ])
    }

    static func featureEncoder(_ speech: SpeechEncoderConfig, weights: Weights) throws -> ConvFeatureEncoder {
        let stem = "feature_extractor.conv_layers"
        try weights.requireBlockCount(stem: stem, expected: speech.convDims.count, field: "len(conv_dim)")
        let why = speech.shapeReason
        let layers = try speech.convDims.indices.map { index in
            let inputs = index == 0 ? 1 : speech.convDims[index - 1]
            let out = speech.convDims[index]
            let at = "\(stem).\(index)."
            let normed = speech.normalization == .layer || index == 0
            return try ConvFeatureEncoder.Layer(
                torchWeight: try weights.tensor(
                    at + "conv.weight", shape: [out, inputs, speech.convKernels[index]],
                    because: why),
                bias: speech.convBias ? try weights.tensor(at + "conv.bias", shape: [out], because: why) : nil,
                stride: speech.convStrides[index],
                // torch's GroupNorm and LayerNorm defaults: eps 1e-5.
                norm: normed ? try weights.layerNorm(at + "layer_norm", width: out, epsilon: 1e-5, because: why) : nil)
        }
        return ConvFeatureEncoder(
            layers: layers, normalization: speech.normalization,
            activation: speech.featureActivation)
    }

    /// The positional conv, its weight folded from whichever weight-norm naming the checkpoint uses.
    static func positionalConv(
        _ speech: SpeechEncoderConfig, weights: Weights,
        batchNorm: Bool
    ) throws -> PositionalConvEmbedding {
        let stem = "encoder.pos_conv_embed."
        let width = speech.encoder.hiddenSize
        let why = speech.shapeReason
        let vShape = [width, width / speech.positionGroups, speech.positionKernel]
        let gShape = [1, 1, speech.positionKernel]
        let weight: Tensor
        let namings = [
            ("conv.parametrizations.weight.original0", "conv.parametrizations.weight.original1"),
            ("conv.weight_g", "conv.weight_v"),
        ]
        if let (g, v) = namings.first(where: { weights.contains(stem + $0.0) || weights.contains(stem + $0.1) }) {
            try weights.require([stem + g, stem + v])
            weight = try PositionalConvEmbedding.foldWeightNorm(
                g: try weights.tensor(stem + g, shape: gShape, because: why + " (weight norm over dim 2)"),
                v: try weights.tensor(stem + v, shape: vShape, because: why))
        } else if weights.contains(stem + "conv.weight") {
            weight = try weights.tensor(stem + "conv.weight", shape: vShape, because: why)
        } else {
            // Names every accepted form, so the message says what a checkpoint has to hold.
            let expected = namings.flatMap { [stem + $0.0, stem + $0.1] } + [stem + "conv.weight"]
            throw ModelError.missingTensors(
                file: weights.file, expected: expected.map { weights.prefix + $0 },
                found: Weights.similar(to: weights.prefix + stem + "conv.weight", in: weights.names))
        }
        var norm: (scale: [Float], shift: [Float])?
        if batchNorm {
            let at = stem + "batch_norm."
            let gamma = try weights.tensor(at + "weight", shape: [width], because: why).scalars
            let beta = try weights.tensor(at + "bias", shape: [width], because: why).scalars
            let mean = try weights.tensor(at + "running_mean", shape: [width], because: why).scalars
            let variance = try weights.tensor(at + "running_var", shape: [width], because: why).scalars
            let scale = (0..<width).map { gamma[$0] / (variance[$0] + 1e-5).squareRoot() }
            norm = (scale, (0..<width).map { beta[$0] - mean[$0] * scale[$0] })
        }
        return try PositionalConvEmbedding(
            torchWeight: weight, bias: try weights.tensor(stem + "conv.bias", shape: [width], because: why),
            groups: speech.positionGroups, activation: speech.featureActivation, batchNorm: norm)
    }
}
