import Foundation
import FuseCore

/// ModernBERT (`model_type: modernbert`; transformers' `modeling_modernbert.py`): word embeddings + LayerNorm (no
/// position table), pre-LN blocks whose first attention norm is the identity, a fused `Wqkv` projection, rotary
/// positions with one theta on global layers and another on local ones, local layers seeing `|i − j| ≤
/// local_attention / 2`, a GeGLU MLP, and a final LayerNorm. Biases follow `norm_bias`, `attention_bias` and
/// `mlp_bias`. Both config styles load: `global_rope_theta` / `local_rope_theta` / `global_attn_every_n_layers`
/// (the Hub's checkpoints) and transformers 5's `rope_parameters` + `layer_types`. Checkpoint keys may sit under
/// `model.` (masked-LM checkpoints). Batches run unpadded (`ModernBERTEncoder.unpadded`). Pooling follows the
/// folder's sentence-transformers config (nomic-ai/modernbert-embed-base: mean; Alibaba-NLP/gte-modernbert-base:
/// CLS); a plain folder is mean-pooled.
public enum ModernBERTFamily: ModelFamily {
    public static let modelTypes = ["modernbert"]

    public static func load(directory: URL, config: ConfigFile) throws -> EncoderModel {
        let shape = EncoderConfig(
            hiddenSize: try config.size("hidden_size"), heads: try config.size("num_attention_heads"),
            layers: try config.size("num_hidden_layers"), intermediateSize: try config.size("intermediate_size"),
            activation: try config.activation("hidden_activation", default: "gelu"),
            layerNormEpsilon: try config.double("norm_eps", default: 1e-5), normPlacement: .pre)
        try shape.validate(config)
        guard shape.headDim % 2 == 0 else {
            throw config.invalid(
                "num_attention_heads",
                "gives an odd head width \(shape.headDim) (hidden_size "
                    + "\(shape.hiddenSize)); rotary positions rotate pairs of dimensions")
        }
        let layerTypes = try Self.layerTypes(config, layers: shape.layers)
        let (globalTheta, localTheta) = try Self.ropeThetas(config)
        let window = try config.size("local_attention", default: 128) / 2
        let normBias = try config.bool("norm_bias", default: false)
        let attentionBias = try config.bool("attention_bias", default: false)
        let mlpBias = try config.bool("mlp_bias", default: false)

        let weights = try Weights(directory: directory, anchor: "embeddings.tok_embeddings.weight")
        let (d, i) = (shape.hiddenSize, shape.intermediateSize)
        let vocab = try config.size("vocab_size")
        let positions = try config.size("max_position_embeddings", default: 8192)
        let eps = shape.layerNormEpsilon
        let why = shape.shapeReason + ", vocab_size \(vocab)"
        try weights.require(
            Self.expectedNames(
                layers: shape.layers, normBias: normBias, attentionBias: attentionBias,
                mlpBias: mlpBias))
        try weights.requireBlockCount(stem: "layers", expected: shape.layers, field: "num_hidden_layers")
        let embedder = LookupEmbedder(
            modality: .text,
            table: try weights.tensor("embeddings.tok_embeddings.weight", shape: [vocab, d], because: why),
            positions: nil, tokenTypes: nil, projection: nil,
            norm: try weights.layerNorm("embeddings.norm", width: d, epsilon: eps, bias: normBias, because: why),
            maxPositions: positions)
        let headDim = shape.headDim
        let layers = try (0..<shape.layers).map { index -> ModernBERTLayer in
            let at = "layers.\(index)."
            let (query, key, value) = try EncoderLayer.splitFused(
                weights.linear(at + "attn.Wqkv", in: d, out: 3 * d, bias: attentionBias, because: why), hiddenSize: d)
            let wi = try weights.linear(at + "mlp.Wi", in: d, out: 2 * i, bias: mlpBias, because: why)
            let (input, gate) = (try wi.rowSlice(0..<i), try wi.rowSlice(i..<(2 * i)))
            let global = layerTypes[index]
            return ModernBERTLayer(
                attentionNorm: index == 0
                    ? nil
                    : try weights.layerNorm(at + "attn_norm", width: d, epsilon: eps, bias: normBias, because: why),
                query: query, key: key, value: value,
                attentionOutput: try weights.linear(at + "attn.Wo", in: d, out: d, bias: attentionBias, because: why),
                mlpNorm: try weights.layerNorm(at + "mlp_norm", width: d, epsilon: eps, bias: normBias, because: why),
                mlpInput: input, mlpGate: gate,
                mlpOutput: try weights.linear(at + "mlp.Wo", in: i, out: d, bias: mlpBias, because: why),
                rotary: RotaryEmbedding(headDim: headDim, theta: global ? globalTheta : localTheta, scaling: .none),
                window: global ? nil : window)
        }
        let encoder = ModernBERTEncoder(
            config: shape, layers: layers,
            finalNorm: try weights.layerNorm("final_norm", width: d, epsilon: eps, bias: normBias, because: why))
        return try EncoderModel.textModel(
            directory: directory, modelType: "modernbert", embedder: embedder, encoder: encoder, vocabSize: vocab,
            positions: positions)
    }

    /// Whether each layer attends globally: `layer_types` when the config lists them, else every
    /// `global_attn_every_n_layers`-th layer from the first (transformers' rule `i % n == 0`).
    static func layerTypes(_ config: ConfigFile, layers: Int) throws -> [Bool] {
        if config.has("global_attn_every_n_layers") {
            let every = try config.int("global_attn_every_n_layers")
            guard every >= 1 else {
                throw config.invalid(
                    "global_attn_every_n_layers",
                    "is \(every); expected a count ≥ 1 (a layer is "
                        + "global when its index is a multiple of it)")
            }
        }
        guard config.has("layer_types") else {
            let every = try config.size("global_attn_every_n_layers", default: 3)
            return (0..<layers).map { $0 % every == 0 }
        }
        guard let names = config.object["layer_types"] as? [String] else {
            throw config.invalid("layer_types", "should be an array of \"full_attention\" / \"sliding_attention\"")
        }
        guard names.count == layers else {
            throw config.invalid("layer_types", "lists \(names.count) layers but num_hidden_layers is \(layers)")
        }
        return try names.map { name in
            switch name {
            case "full_attention": return true
            case "sliding_attention": return false
            default:
                throw config.invalid(
                    "layer_types", "holds '\(name)'; expected \"full_attention\" or \"sliding_attention\"")
            }
        }
    }

    /// The rotary thetas of global and local layers: `rope_parameters.{full,sliding}_attention.rope_theta`
    /// (transformers 5) or `global_rope_theta` / `local_rope_theta` (a null local theta means the global one).
    static func ropeThetas(_ config: ConfigFile) throws -> (global: Float, local: Float) {
        let global = Float(try config.double("global_rope_theta", default: 160_000))
        let local =
            config.has("local_rope_theta")
            ? Float(try config.double("local_rope_theta"))
            : config.object.keys.contains("local_rope_theta") ? global : 10_000
        guard config.has("rope_parameters") else { return (global, local) }
        let parameters = try config.section("rope_parameters")
        func theta(_ kind: String, fallback: Float) throws -> Float {
            guard parameters.has(kind) else { return fallback }
            let section = try parameters.section(kind)
            let type = try section.string("rope_type", default: "default")
            guard type == "default" else {
                throw section.invalid("rope_type", "is '\(type)'; ModernBERT loads only \"default\" rotary positions")
            }
            return Float(try section.double("rope_theta", default: Double(fallback)))
        }
        return (try theta("full_attention", fallback: global), try theta("sliding_attention", fallback: local))
    }

    /// Every tensor the blocks need, so a checkpoint that lacks several is reported at once.
    static func expectedNames(layers: Int, normBias: Bool, attentionBias: Bool, mlpBias: Bool) -> [String] {
        func parts(_ name: String, bias: Bool) -> [String] { [name + ".weight"] + (bias ? [name + ".bias"] : []) }
        var names = parts("embeddings.norm", bias: normBias) + parts("final_norm", bias: normBias)
        for index in 0..<layers {
            let at = "layers.\(index)."
            if index > 0 { names += parts(at + "attn_norm", bias: normBias) }
            names += parts(at + "attn.Wqkv", bias: attentionBias) + parts(at + "attn.Wo", bias: attentionBias)
            names +=
                parts(at + "mlp_norm", bias: normBias) + parts(at + "mlp.Wi", bias: mlpBias)
                + parts(at + "mlp.Wo", bias: mlpBias)
        }
        return names
    }
}

extension Linear {
    /// The output rows `range` of the layer (a view of its weight and bias, nothing copied): one half of a fused
    /// projection such as ModernBERT's GeGLU `Wi`.
    func rowSlice(_ range: Range<Int>) throws -> Linear {
        try Linear(weight: try weight.rows(range), bias: try bias.map { try $0.rows(range) })
    }
}
