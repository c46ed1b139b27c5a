import Foundation
import FuseCore

/// Mixtral (`MixtralForCausalLM`): the Llama architecture with every MLP a sparse mixture of `num_local_experts`
/// SwiGLU experts, `num_experts_per_tok` per token, the chosen probabilities always renormalised. Weights in the
/// merged layout transformers 5 writes (`mlp.experts.gate_up_proj`) or the per-expert one of earlier checkpoints
/// (`block_sparse_moe.experts.{i}.w1/w3/w2`).
public enum MixtralFamily: CausalLMFamily {
    public static let modelTypes = ["mixtral"]

    public static func config(_ config: ConfigFile) throws -> CausalLMConfig {
        var result = try CausalLMConfig.llamaArchitecture(config, attentionBias: false)
        result.experts = MixtureOfExpertsConfig(
            count: try config.size("num_local_experts", default: 8),
            topK: try config.size("num_experts_per_tok", default: 2),
            intermediateSize: result.intermediateSize, normalizeTopK: true)
        try checkTopK(result.experts!, config: config)
        if config.has("sliding_window") { result.slidingWindow = try config.size("sliding_window") }
        return try result.validated(file: config.path, headDimIsFree: true)
    }

    public static func load(folder: URL, config: CausalLMConfig) throws -> any CausalLanguageModel {
        let probe = try Weights(directory: folder, anchor: "embed_tokens.weight")
        let naming =
            probe.contains("layers.0.block_sparse_moe.gate.weight")
            ? DecoderWeightNames(sparse: "block_sparse_moe.", expert: (gate: "w1", up: "w3", down: "w2"))
            : DecoderWeightNames(sparse: "mlp.")
        return try LlamaModel(config: config, folder: folder, naming: naming)
    }

    /// `num_experts_per_tok` must lie in 1…`num_experts`.
    static func checkTopK(_ experts: MixtureOfExpertsConfig, config: ConfigFile) throws {
        guard experts.topK <= experts.count else {
            throw ModelError.invalidField(
                file: config.path, field: "num_experts_per_tok",
                reason: "\(experts.topK) exceeds the \(experts.count) experts")
        }
    }
}
