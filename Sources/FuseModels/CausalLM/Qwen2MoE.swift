import Foundation
import FuseCore

/// Qwen2-MoE (`Qwen2MoeForCausalLM`): the Llama architecture with q/k/v biases (`qkv_bias`, none on the output
/// projection); layer l is sparse when it is not in `mlp_only_layers` and (l + 1) mod `decoder_sparse_step` = 0, else a
/// dense MLP of `intermediate_size`. A sparse layer routes each token to `num_experts_per_tok` of `num_experts`
/// experts of `moe_intermediate_size` (renormalised only with `norm_topk_prob`) and adds a shared expert of
/// `shared_expert_intermediate_size`, scaled by `sigmoid(shared_expert_gate · x)`.
public enum Qwen2MoEFamily: CausalLMFamily {
    public static let modelTypes = ["qwen2_moe"]

    public static func config(_ config: ConfigFile) throws -> CausalLMConfig {
        if try config.bool("use_sliding_window", default: false) {
            throw ModelError.invalidField(
                file: config.path, field: "use_sliding_window",
                reason: "is true; sliding-window attention is not supported for qwen2_moe")
        }
        var result = try CausalLMConfig.llamaArchitecture(config, attentionBias: config.bool("qkv_bias", default: true))
        result.outputProjectionBias = false
        let count = try config.int("num_experts", default: 60)
        guard count > 0 else { return try result.validated(file: config.path, headDimIsFree: true) }
        result.experts = MixtureOfExpertsConfig(
            count: count, topK: try config.size("num_experts_per_tok", default: 4),
            intermediateSize: try config.size("moe_intermediate_size"),
            normalizeTopK: try config.bool("norm_topk_prob", default: false),
            sharedExpertSize: try config.size("shared_expert_intermediate_size"),
            sparseStep: try config.size("decoder_sparse_step", default: 1),
            denseLayers: Set(config.has("mlp_only_layers") ? try config.ints("mlp_only_layers") : []))
        try MixtralFamily.checkTopK(result.experts!, config: config)
        return try result.validated(file: config.path, headDimIsFree: true)
    }

    public static func load(folder: URL, config: CausalLMConfig) throws -> any CausalLanguageModel {
        try LlamaModel(config: config, folder: folder, naming: DecoderWeightNames(sparse: "mlp."))
    }
}
