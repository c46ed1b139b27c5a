import Foundation
import FuseCore

/// How rotary position angles are stretched for long contexts (`rope_scaling` / `rope_parameters`).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Positions divided by `factor` (all frequencies divided by it).
    case linear(factor: Float)
    /// Llama 3's frequency-dependent scaling.
    case llama3(factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float, originalMaxPositions: Int)
}

/// A causal LM's architecture as the decoder runs it, read from a Hugging Face `config.json` (transformers 4 and 5
/// layouts) by the family that `model_type` names (`CausalLMRegistry`).
public struct CausalLMConfig: Sendable, Equatable {
    /// `config.json`'s `model_type`.
    public var modelType: String
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var keyValueHeads: Int
    public var headDim: Int
    /// The dense MLP's inner width (the dense layers' width in a sparse model).
    public var intermediateSize: Int
    public var maxPositions: Int
    public var normEpsilon: Float
    public var activation: Activation
    public var tieWordEmbeddings: Bool
    public var ropeTheta: Float
    public var ropeScaling: RopeScaling
    /// Biases on the q/k/v projections (and on the output projection when `outputProjectionBias`).
    public var attentionBias: Bool
    public var outputProjectionBias: Bool
    public var mlpBias: Bool
    /// OLMoE: RMSNorm over the whole projected queries and keys before the heads are split.
    public var queryKeyNorm: Bool
    /// OLMoE: queries, keys and values clamped to ±this after projection.
    public var clipQKV: Float?
    /// Mistral/Mixtral sliding-window attention: each position sees itself and the `slidingWindow − 1` before it.
    public var slidingWindow: Int?
    /// The sparse mixture-of-experts MLP, for the layers `isSparse(layer:)` names; nil for dense models.
    public var experts: MixtureOfExpertsConfig?
    public var eosTokenID: Int32?

    /// Reads `folder/config.json` with the family its `model_type` names.
    public static func load(folder: URL) throws -> CausalLMConfig {
        let file = try ConfigFile(url: folder.appendingPathComponent("config.json"))
        return try CausalLMRegistry.family(for: file).config(file)
    }

    /// Whether `layer` runs the sparse MLP.
    public func isSparse(layer: Int) -> Bool {
        guard let experts else { return false }
        return !experts.denseLayers.contains(layer) && (layer + 1) % experts.sparseStep == 0
    }

    /// The fields every Llama-architecture config shares (Llama, Mixtral, Qwen2-MoE, OLMoE): sizes, RMSNorm epsilon,
    /// SiLU, rotary parameters (`rope_parameters` or `rope_scaling`, else `rope_theta`).
    static func llamaArchitecture(_ config: ConfigFile, attentionBias: Bool? = nil) throws -> CausalLMConfig {
        let hidden = try config.size("hidden_size"), heads = try config.size("num_attention_heads")
        let activation = try config.activation("hidden_act", default: "silu")
        guard activation == .silu else {
            throw ModelError.invalidField(
                file: config.path, field: "hidden_act",
                reason: "is not supported (Llama-architecture models use silu)")
        }
        let rope =
            try config.has("rope_parameters")
            ? config.section("rope_parameters")
            : config.has("rope_scaling") ? config.section("rope_scaling") : nil
        let theta =
            try rope.flatMap { try $0.has("rope_theta") ? $0.double("rope_theta") : nil }
            ?? config.double("rope_theta", default: 10000)
        let bias = try attentionBias ?? config.bool("attention_bias", default: false)
        return try CausalLMConfig(
            modelType: config.string("model_type"), vocabSize: config.size("vocab_size"), hiddenSize: hidden,
            layers: config.size("num_hidden_layers"), heads: heads,
            keyValueHeads: config.size("num_key_value_heads", default: heads),
            headDim: config.size("head_dim", default: hidden / heads),
            intermediateSize: config.size("intermediate_size"), maxPositions: config.size("max_position_embeddings"),
            normEpsilon: Float(config.double("rms_norm_eps", default: 1e-6)), activation: .silu,
            tieWordEmbeddings: config.bool("tie_word_embeddings", default: false), ropeTheta: Float(theta),
            ropeScaling: rope.map(Self.scaling) ?? .none, attentionBias: bias, outputProjectionBias: bias,
            mlpBias: config.bool("mlp_bias", default: false), queryKeyNorm: false, clipQKV: nil, slidingWindow: nil,
            experts: nil,
            eosTokenID: eosTokenID(config))
    }

    /// `eos_token_id`: one id, or the first of a list.
    static func eosTokenID(_ config: ConfigFile) -> Int32? {
        if let id = try? config.int("eos_token_id") { return Int32(clamping: id) }
        return (try? config.ints("eos_token_id"))?.first.map { Int32(clamping: $0) }
    }

    /// Checks what every family needs: heads that divide into key/value groups and, unless `headDim` is free
    /// (`head_dim` given), heads that divide the hidden size.
    func validated(file: String, headDimIsFree: Bool) throws -> CausalLMConfig {
        guard heads % keyValueHeads == 0 else {
            throw ModelError.invalidField(
                file: file, field: "num_key_value_heads",
                reason: "\(keyValueHeads) does not divide num_attention_heads \(heads)")
        }
        guard headDimIsFree || headDim * heads == hiddenSize else {
            throw ModelError.invalidField(
                file: file, field: "num_attention_heads",
                reason: "\(heads) heads do not divide the hidden size \(hiddenSize)")
        }
        guard headDim % 2 == 0 || ropeTheta == 0 else {
            throw ModelError.invalidField(
                file: file, field: "head_dim", reason: "rotary positions need an even head size")
        }
        return self
    }

    private static func scaling(_ rope: ConfigFile) throws -> RopeScaling {
        let type = try rope.has("rope_type") ? rope.string("rope_type") : rope.string("type", default: "default")
        switch type {
        case "default": return .none
        case "linear": return .linear(factor: Float(try rope.double("factor")))
        case "llama3":
            return .llama3(
                factor: Float(try rope.double("factor")),
                lowFrequencyFactor: Float(try rope.double("low_freq_factor")),
                highFrequencyFactor: Float(try rope.double("high_freq_factor")),
                originalMaxPositions: try rope.size("original_max_position_embeddings"))
        default:
            throw ModelError.invalidField(
                file: rope.path, field: "rope_type",
                reason: "'\(type)' is not supported (default, linear, llama3)")
        }
    }
}

/// A sparse mixture-of-experts MLP (Mixtral, Qwen2-MoE, OLMoE): a router picks `topK` of `count` SwiGLU experts per
/// token; their outputs are summed with the router's probabilities as weights.
public struct MixtureOfExpertsConfig: Sendable, Equatable {
    public var count: Int
    public var topK: Int
    /// Each expert's inner width.
    public var intermediateSize: Int
    /// Whether the top-k probabilities are renormalised to sum to 1 (Mixtral always; others by `norm_topk_prob`).
    public var normalizeTopK: Bool
    /// Qwen2-MoE: a dense SwiGLU expert every token passes through, of this inner width, scaled by
    /// `sigmoid(shared_expert_gate · x)`; nil for none.
    public var sharedExpertSize: Int?
    /// Every `sparseStep`-th layer is sparse (layer l when (l + 1) mod step = 0), except those in `denseLayers`.
    public var sparseStep: Int
    public var denseLayers: Set<Int>

    public init(
        count: Int, topK: Int, intermediateSize: Int, normalizeTopK: Bool, sharedExpertSize: Int? = nil,
        sparseStep: Int = 1, denseLayers: Set<Int> = []
    ) {
        self.count = count
        self.topK = topK
        self.intermediateSize = intermediateSize
        self.normalizeTopK = normalizeTopK
        self.sharedExpertSize = sharedExpertSize
        self.sparseStep = sparseStep
        self.denseLayers = denseLayers
    }
}
