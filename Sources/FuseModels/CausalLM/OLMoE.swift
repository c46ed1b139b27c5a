import Foundation
import FuseCore

/// OLMoE (`OlmoeForCausalLM`): the Llama architecture with RMSNorm over the whole projected queries and keys
/// (`q_norm`, `k_norm`, before the heads are split and rotated), q/k/v clamped to ±`clip_qkv` when set, biases on all
/// four projections with `attention_bias`, and every MLP a mixture of `num_experts` experts of `intermediate_size`,
/// `num_experts_per_tok` per token (renormalised only with `norm_topk_prob`).
public enum OLMoEFamily: CausalLMFamily {
    public static let modelTypes = ["olmoe"]

    public static func config(_ config: ConfigFile) throws -> CausalLMConfig {
        var result = try CausalLMConfig.llamaArchitecture(config)
        result.normEpsilon = Float(try config.double("rms_norm_eps", default: 1e-5))
        result.queryKeyNorm = true
        if config.has("clip_qkv") {
            let bound = try config.double("clip_qkv")
            guard bound > 0 else {
                throw ModelError.invalidField(file: config.path, field: "clip_qkv", reason: "should be positive")
            }
            result.clipQKV = Float(bound)
        }
        result.experts = MixtureOfExpertsConfig(
            count: try config.size("num_experts", default: 64),
            topK: try config.size("num_experts_per_tok", default: 8),
            intermediateSize: result.intermediateSize, normalizeTopK: try config.bool("norm_topk_prob", default: false))
        try MixtralFamily.checkTopK(result.experts!, config: config)
        return try result.validated(file: config.path, headDimIsFree: false)
    }

    public static func load(folder: URL, config: CausalLMConfig) throws -> any CausalLanguageModel {
        try LlamaModel(config: config, folder: folder, naming: DecoderWeightNames(sparse: "mlp."))
    }
}
