import FuseCore

/// Where a transformer block normalises: before each sub-layer (CLIP, ViT, AST, Meta-Transformer) or after each
/// residual sum (BERT).
public enum NormPlacement: String, Sendable {
    case pre
    case post
}

/// The shape of a transformer encoder stack; families fill it from their `config.json`.
public struct EncoderConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var heads: Int
    public var layers: Int
    public var intermediateSize: Int
    public var activation: Activation
    public var layerNormEpsilon: Double
    public var normPlacement: NormPlacement

    public init(
        hiddenSize: Int, heads: Int, layers: Int, intermediateSize: Int, activation: Activation,
        layerNormEpsilon: Double, normPlacement: NormPlacement
    ) {
        self.hiddenSize = hiddenSize
        self.heads = heads
        self.layers = layers
        self.intermediateSize = intermediateSize
        self.activation = activation
        self.layerNormEpsilon = layerNormEpsilon
        self.normPlacement = normPlacement
    }

    public var headDim: Int { hiddenSize / heads }

    /// Reads the Hugging Face field names shared by BERT, ViT, AST and CLIP's towers.
    public static func huggingFace(
        _ config: ConfigFile, normPlacement: NormPlacement,
        defaultEpsilon: Double
    ) throws -> EncoderConfig {
        let result = EncoderConfig(
            hiddenSize: try config.size("hidden_size"), heads: try config.size("num_attention_heads"),
            layers: try config.size("num_hidden_layers"), intermediateSize: try config.size("intermediate_size"),
            activation: try config.activation("hidden_act", default: "gelu"),
            layerNormEpsilon: try config.double("layer_norm_eps", default: defaultEpsilon),
            normPlacement: normPlacement)
        try result.validate(config)
        return result
    }

    /// Checks that the heads divide the width.
    public func validate(_ config: ConfigFile) throws {
        guard hiddenSize % heads == 0 else {
            throw config.invalid("num_attention_heads", "(\(heads)) does not divide hidden_size \(hiddenSize)")
        }
    }

    /// Describes the config fields a tensor shape comes from, for shape-mismatch errors.
    var shapeReason: String {
        "hidden_size \(hiddenSize), intermediate_size \(intermediateSize), num_attention_heads \(heads)"
    }
}
