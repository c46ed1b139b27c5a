import FuseCore

/// How a checkpoint names one encoder block's tensors (relative to `<stem>.<i>.`), so one loader serves every
/// family's naming.
public struct LayerNaming: Sendable {
    /// The blocks' common stem, e.g. `"encoder.layer"` (BERT, ViT, AST) or `"text_model.encoder.layers"` (CLIP).
    public var stem: String
    public var query: String
    public var key: String
    public var value: String
    /// A fused `[3·D, D]` projection replacing query/key/value (timm, Meta-Transformer); nil when separate.
    public var fusedQKV: String?
    public var output: String
    public var norm1: String
    public var fc1: String
    public var fc2: String
    public var norm2: String

    /// BERT: post-LN, `attention.self.*`, `attention.output.LayerNorm`, `output.LayerNorm`.
    public static func bert(stem: String = "encoder.layer") -> LayerNaming {
        LayerNaming(
            stem: stem, query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
            fusedQKV: nil, output: "attention.output.dense", norm1: "attention.output.LayerNorm",
            fc1: "intermediate.dense", fc2: "output.dense", norm2: "output.LayerNorm")
    }

    /// ViT and AST: pre-LN, `attention.attention.*`, `layernorm_before` / `layernorm_after`.
    public static func vit(stem: String = "encoder.layer") -> LayerNaming {
        LayerNaming(
            stem: stem, query: "attention.attention.query", key: "attention.attention.key",
            value: "attention.attention.value", fusedQKV: nil, output: "attention.output.dense",
            norm1: "layernorm_before", fc1: "intermediate.dense", fc2: "output.dense",
            norm2: "layernorm_after")
    }

    /// CLIP towers: `self_attn.{q,k,v,out}_proj`, `layer_norm1`, `mlp.fc1/fc2`, `layer_norm2`.
    public static func clip(stem: String) -> LayerNaming {
        LayerNaming(
            stem: stem, query: "self_attn.q_proj", key: "self_attn.k_proj", value: "self_attn.v_proj",
            fusedQKV: nil, output: "self_attn.out_proj", norm1: "layer_norm1", fc1: "mlp.fc1",
            fc2: "mlp.fc2", norm2: "layer_norm2")
    }

    /// Meta-Transformer (timm blocks): fused `attn.qkv`, `attn.proj`, `norm1`, `mlp.fc1/fc2`, `norm2`.
    public static func timm(stem: String) -> LayerNaming {
        LayerNaming(
            stem: stem, query: "", key: "", value: "", fusedQKV: "attn.qkv", output: "attn.proj",
            norm1: "norm1", fc1: "mlp.fc1", fc2: "mlp.fc2", norm2: "norm2")
    }

    /// wav2vec2 and HuBERT: `attention.{q,k,v,out}_proj`, `layer_norm`, `feed_forward.intermediate_dense` /
    /// `output_dense`, `final_layer_norm` (post-LN or, with `do_stable_layer_norm`, pre-LN).
    public static func wav2vec2(stem: String = "encoder.layers") -> LayerNaming {
        LayerNaming(
            stem: stem, query: "attention.q_proj", key: "attention.k_proj", value: "attention.v_proj",
            fusedQKV: nil, output: "attention.out_proj", norm1: "layer_norm",
            fc1: "feed_forward.intermediate_dense", fc2: "feed_forward.output_dense", norm2: "final_layer_norm")
    }

    /// Every tensor name the blocks need.
    func expectedNames(layers: Int) -> [String] {
        let parts = (fusedQKV.map { [$0] } ?? [query, key, value]) + [output, norm1, fc1, fc2, norm2]
        return (0..<layers).flatMap { index in
            parts.flatMap { ["\(stem).\(index).\($0).weight", "\(stem).\(index).\($0).bias"] }
        }
    }
}

extension Weights {
    /// Loads `config.layers` blocks named by `naming`, checking every shape against `config` and that the
    /// checkpoint holds exactly that many blocks.
    public func encoderLayers(_ config: EncoderConfig, naming: LayerNaming) throws -> [EncoderLayer] {
        try require(naming.expectedNames(layers: config.layers))
        try requireBlockCount(stem: naming.stem, expected: config.layers, field: "num_hidden_layers")
        let (d, i) = (config.hiddenSize, config.intermediateSize)
        let why = config.shapeReason
        return try (0..<config.layers).map { index in
            let at = "\(naming.stem).\(index)."
            let query, key, value: Linear
            if let fused = naming.fusedQKV {
                (query, key, value) = try EncoderLayer.splitFused(
                    linear(at + fused, in: d, out: 3 * d, because: why),
                    hiddenSize: d)
            } else {
                query = try linear(at + naming.query, in: d, out: d, because: why)
                key = try linear(at + naming.key, in: d, out: d, because: why)
                value = try linear(at + naming.value, in: d, out: d, because: why)
            }
            return EncoderLayer(
                query: query, key: key, value: value,
                output: try linear(at + naming.output, in: d, out: d, because: why),
                norm1: try layerNorm(at + naming.norm1, width: d, epsilon: config.layerNormEpsilon, because: why),
                fc1: try linear(at + naming.fc1, in: d, out: i, because: why),
                fc2: try linear(at + naming.fc2, in: i, out: d, because: why),
                norm2: try layerNorm(at + naming.norm2, width: d, epsilon: config.layerNormEpsilon, because: why))
        }
    }
}
