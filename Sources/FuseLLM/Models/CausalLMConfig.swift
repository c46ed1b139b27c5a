import Foundation

/// How rotary position angles are stretched for long contexts (`rope_scaling` / `rope_parameters`).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Positions divided by `factor` (all frequencies divided by it).
    case linear(factor: Float)
    /// Llama 3's frequency-dependent scaling.
    case llama3(factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float, originalMaxPositions: Int)
}

/// A causal LM's architecture, read from a Hugging Face `config.json` (transformers 4 and 5 layouts).
public struct CausalLMConfig: Sendable, Equatable {
    public enum Family: String, Sendable { case gpt2, llama }

    public var family: Family
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var keyValueHeads: Int
    public var headDim: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var normEpsilon: Float
    public var activation: Activation
    public var tieWordEmbeddings: Bool
    public var ropeTheta: Float
    public var ropeScaling: RopeScaling
    public var attentionBias: Bool
    public var mlpBias: Bool
    public var eosTokenID: Int32?

    /// Reads `folder/config.json`.
    public static func load(folder: URL) throws -> CausalLMConfig {
        let url = folder.appendingPathComponent("config.json")
        try FuseError.requireFile(url)
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        let parsed = try JSONErrorReason.jsonObject(data) { FuseError.invalidConfig(file: url.path, reason: $0) }
        guard let json = parsed as? [String: Any] else {
            throw FuseError.invalidConfig(file: url.path, reason: "not a JSON object")
        }
        return try CausalLMConfig(json: json, file: url.path)
    }

    init(json: [String: Any], file: String) throws {
        func int(_ key: String) -> Int? { (json[key] as? NSNumber)?.intValue }
        func float(_ key: String) -> Float? { (json[key] as? NSNumber)?.floatValue }
        func require(_ key: String) throws -> Int {
            guard let value = int(key), value > 0 else {
                throw FuseError.invalidConfig(file: file, reason: "'\(key)' is missing or not a positive integer")
            }
            return value
        }
        guard let type = json["model_type"] as? String else {
            throw FuseError.invalidConfig(file: file, reason: "'model_type' is missing")
        }
        eosTokenID = (json["eos_token_id"] as? NSNumber).map { Int32(truncating: $0) }
            ?? (json["eos_token_id"] as? [NSNumber])?.first.map { Int32(truncating: $0) }
        switch type {
        case "gpt2":
            family = .gpt2
            vocabSize = try require("vocab_size")
            hiddenSize = try require("n_embd")
            layers = try require("n_layer")
            heads = try require("n_head")
            keyValueHeads = heads
            intermediateSize = int("n_inner") ?? 4 * hiddenSize
            maxPositions = try require("n_positions")
            normEpsilon = float("layer_norm_epsilon") ?? 1e-5
            let name = json["activation_function"] as? String ?? "gelu_new"
            guard let act = Activation(huggingFaceName: name) else {
                throw FuseError.invalidConfig(file: file, reason: "unsupported activation_function '\(name)'")
            }
            activation = act
            tieWordEmbeddings = json["tie_word_embeddings"] as? Bool ?? true
            ropeTheta = 0
            ropeScaling = .none
            attentionBias = true
            mlpBias = true
            if json["scale_attn_by_inverse_layer_idx"] as? Bool == true || json["reorder_and_upcast_attn"] as? Bool == true {
                throw FuseError.invalidConfig(file: file, reason: "scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported")
            }
        case "llama":
            family = .llama
            vocabSize = try require("vocab_size")
            hiddenSize = try require("hidden_size")
            layers = try require("num_hidden_layers")
            heads = try require("num_attention_heads")
            keyValueHeads = int("num_key_value_heads") ?? heads
            intermediateSize = try require("intermediate_size")
            maxPositions = try require("max_position_embeddings")
            normEpsilon = float("rms_norm_eps") ?? 1e-6
            let name = json["hidden_act"] as? String ?? "silu"
            guard name == "silu" else {
                throw FuseError.invalidConfig(file: file, reason: "hidden_act '\(name)' is not supported (Llama uses silu)")
            }
            activation = .silu
            tieWordEmbeddings = json["tie_word_embeddings"] as? Bool ?? false
            attentionBias = json["attention_bias"] as? Bool ?? false
            mlpBias = json["mlp_bias"] as? Bool ?? false
            let rope = (json["rope_parameters"] as? [String: Any]) ?? (json["rope_scaling"] as? [String: Any]) ?? [:]
            ropeTheta = (rope["rope_theta"] as? NSNumber)?.floatValue ?? float("rope_theta") ?? 10000
            ropeScaling = try Self.scaling(rope, file: file)
        default:
            throw FuseError.invalidConfig(file: file, reason: "model_type '\(type)' is not a supported causal LM (gpt2, llama)")
        }
        headDim = int("head_dim") ?? hiddenSize / max(heads, 1)
        guard heads % keyValueHeads == 0 else {
            throw FuseError.invalidConfig(file: file, reason: "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(keyValueHeads)")
        }
        guard family == .llama || headDim * heads == hiddenSize else {
            throw FuseError.invalidConfig(file: file, reason: "hidden size \(hiddenSize) is not divisible into \(heads) heads")
        }
    }

    private static func scaling(_ rope: [String: Any], file: String) throws -> RopeScaling {
        let type = (rope["rope_type"] as? String) ?? (rope["type"] as? String) ?? "default"
        func value(_ key: String) throws -> Float {
            guard let v = (rope[key] as? NSNumber)?.floatValue else {
                throw FuseError.invalidConfig(file: file, reason: "rope scaling '\(type)' lacks '\(key)'")
            }
            return v
        }
        switch type {
        case "default": return .none
        case "linear": return .linear(factor: try value("factor"))
        case "llama3":
            return .llama3(factor: try value("factor"), lowFrequencyFactor: try value("low_freq_factor"),
                           highFrequencyFactor: try value("high_freq_factor"),
                           originalMaxPositions: Int(try value("original_max_position_embeddings")))
        default:
            throw FuseError.invalidConfig(file: file, reason: "rope scaling type '\(type)' is not supported (default, linear, llama3)")
        }
    }
}
