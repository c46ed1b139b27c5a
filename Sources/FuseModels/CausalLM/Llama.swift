import Foundation
import FuseCore

/// Llama's `config.json`.
public enum LlamaFamily: CausalLMFamily {
    public static let modelTypes = ["llama"]

    public static func config(_ config: ConfigFile) throws -> CausalLMConfig {
        try CausalLMConfig.llamaArchitecture(config).validated(file: config.path, headDimIsFree: true)
    }

    public static func load(folder: URL, config: CausalLMConfig) throws -> any CausalLanguageModel {
        try LlamaModel(config: config, folder: folder, naming: .llama)
    }
}

/// The Llama-architecture decoder (`LlamaForCausalLM` and the families built on it: Mixtral, Qwen2-MoE, OLMoE):
/// RMSNorm, rotary positions (theta and scaling from the config), grouped-query attention with optional q/k/v
/// biases, q/k RMSNorm and clamping, and per layer either a dense SwiGLU MLP (`down(silu(gate(x)) · up(x))`) or a
/// sparse mixture of such experts (`MixtureOfExperts`); the output head separate or tied.
public struct LlamaModel: CausalLanguageModel {
    struct Block {
        var inputNorm: Tensor
        var q: Linear, k: Linear, v: Linear, o: Linear
        /// OLMoE's RMSNorm over all query / key features.
        var queryNorm: Tensor?, keyNorm: Tensor?
        var postNorm: Tensor
        var feedForward: FeedForward

        func converted(to precision: Precision) throws -> Block {
            var copy = self
            (copy.q, copy.k, copy.v, copy.o) = (
                try q.converted(to: precision), try k.converted(to: precision),
                try v.converted(to: precision), try o.converted(to: precision)
            )
            switch feedForward {
            case .dense(let mlp): copy.feedForward = .dense(try mlp.converted(to: precision))
            case .sparse(let experts): copy.feedForward = .sparse(try experts.converted(to: precision))
            }
            return copy
        }
    }

    enum FeedForward {
        case dense(SwiGLU)
        case sparse(MixtureOfExperts)
    }

    public let config: CausalLMConfig
    public let folder: URL
    let tokenEmbedding: Tensor
    private(set) var blocks: [Block]
    let finalNorm: Tensor
    let rotary: RotaryEmbedding
    public let outputEmbedding: Tensor
    public private(set) var outputProjection: Linear?
    public private(set) var precision = Precision.fp32

    public func converted(to precision: Precision) throws -> any CausalLanguageModel {
        var copy = self
        copy.blocks = try blocks.map { try $0.converted(to: precision) }
        copy.outputProjection = try Linear(weight: outputEmbedding).converted(to: precision)
        copy.precision = precision
        return copy
    }

    init(config: CausalLMConfig, folder: URL, naming: DecoderWeightNames) throws {
        self.config = config
        self.folder = folder
        let weights = try Weights(directory: folder, anchor: "embed_tokens.weight")
        let d = config.hiddenSize
        let qWidth = config.heads * config.headDim, kvWidth = config.keyValueHeads * config.headDim
        let because =
            "hidden_size \(d), \(config.heads) heads of \(config.headDim), \(config.keyValueHeads) key/value "
            + "heads, intermediate_size \(config.intermediateSize), vocab_size \(config.vocabSize)"
        func linear(_ name: String, _ out: Int, _ inDim: Int, bias: Bool) throws -> Linear {
            try weights.linear(name, in: inDim, out: out, bias: bias, because: because)
        }
        try weights.requireBlockCount(stem: "layers", expected: config.layers, field: "num_hidden_layers")
        tokenEmbedding = try weights.tensor("embed_tokens.weight", shape: [config.vocabSize, d], because: because)
        blocks = try (0..<config.layers).map { l in
            let b = "layers.\(l)."
            let feedForward: FeedForward
            if config.isSparse(layer: l), let experts = config.experts {
                feedForward = .sparse(
                    try MixtureOfExperts(
                        weights: weights, prefix: b + naming.sparse, config: experts,
                        hidden: d, naming: naming, because: because))
            } else {
                feedForward = .dense(
                    try SwiGLU(
                        weights: weights, prefix: b + "mlp.", names: ("gate_proj", "up_proj", "down_proj"),
                        hidden: d, inner: config.intermediateSize, bias: config.mlpBias,
                        because: because))
            }
            return Block(
                inputNorm: try weights.tensor(b + "input_layernorm.weight", shape: [d], because: because),
                q: try linear(b + "self_attn.q_proj", qWidth, d, bias: config.attentionBias),
                k: try linear(b + "self_attn.k_proj", kvWidth, d, bias: config.attentionBias),
                v: try linear(b + "self_attn.v_proj", kvWidth, d, bias: config.attentionBias),
                o: try linear(b + "self_attn.o_proj", d, qWidth, bias: config.outputProjectionBias),
                queryNorm: config.queryKeyNorm
                    ? try weights.tensor(b + "self_attn.q_norm.weight", shape: [qWidth], because: because) : nil,
                keyNorm: config.queryKeyNorm
                    ? try weights.tensor(b + "self_attn.k_norm.weight", shape: [kvWidth], because: because) : nil,
                postNorm: try weights.tensor(b + "post_attention_layernorm.weight", shape: [d], because: because),
                feedForward: feedForward)
        }
        finalNorm = try weights.tensor("norm.weight", shape: [d], because: because)
        let root = weights.reading(under: "")
        if config.tieWordEmbeddings || !root.contains("lm_head.weight") {
            outputEmbedding = tokenEmbedding
        } else {
            outputEmbedding = try root.tensor("lm_head.weight", shape: [config.vocabSize, d], because: because)
        }
        rotary = RotaryEmbedding(headDim: config.headDim, theta: config.ropeTheta, scaling: config.ropeScaling)
    }

    public func hiddenStates(_ ids: [Int32], cache: KVCache) throws -> Tensor {
        try validate(ids, cache: cache)
        let t = ids.count, d = config.hiddenSize, start = cache.length
        let qWidth = config.heads * config.headDim, kvWidth = config.keyValueHeads * config.headDim
        var hidden = Tensor(zeros: [t, d])
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: t * qWidth)
        let k = UnsafeMutablePointer<Float>.allocate(capacity: t * kvWidth)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: t * kvWidth)
        let attention = UnsafeMutablePointer<Float>.allocate(capacity: t * qWidth)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        defer { [normed, q, k, v, attention, out].forEach { $0.deallocate() } }
        hidden.withUnsafeMutableBufferPointer { hb in
            let h = hb.baseAddress!
            tokenEmbedding.withUnsafeBufferPointer { embedding in
                for r in 0..<t { (h + r * d).update(from: embedding.baseAddress! + Int(ids[r]) * d, count: d) }
            }
            for (layer, block) in blocks.enumerated() {
                normed.update(from: h, count: t * d)
                rmsNorm(normed, rows: t, width: d, block.inputNorm)
                block.q.apply(normed, rows: t, output: q)
                block.k.apply(normed, rows: t, output: k)
                block.v.apply(normed, rows: t, output: v)
                if let queryNorm = block.queryNorm { rmsNorm(q, rows: t, width: qWidth, queryNorm) }
                if let keyNorm = block.keyNorm { rmsNorm(k, rows: t, width: kvWidth, keyNorm) }
                if let bound = config.clipQKV {
                    for (x, count) in [(q, t * qWidth), (k, t * kvWidth), (v, t * kvWidth)] {
                        for e in 0..<count { x[e] = min(max(x[e], -bound), bound) }
                    }
                }
                rotary.apply(q, rows: t, heads: config.heads, start: start)
                rotary.apply(k, rows: t, heads: config.keyValueHeads, start: start)
                cache.store(layer: layer, keys: k, values: v, rows: t)
                Kernels.scaledDotProductAttention(
                    query: q, key: cache.keys[layer], value: cache.values[layer], output: attention,
                    batch: 1, heads: config.heads, queryLength: t, keyLength: start + t, headDim: config.headDim,
                    causal: true, keyValueHeads: config.keyValueHeads, window: config.slidingWindow)
                block.o.apply(attention, rows: t, output: out)
                Kernels.add(h, out, count: t * d)
                normed.update(from: h, count: t * d)
                rmsNorm(normed, rows: t, width: d, block.postNorm)
                switch block.feedForward {
                case .dense(let mlp): mlp.apply(normed, rows: t, output: out)
                case .sparse(let experts): experts.apply(normed, rows: t, output: out)
                }
                Kernels.add(h, out, count: t * d)
            }
            rmsNorm(h, rows: t, width: d, finalNorm)
        }
        cache.advance(by: t)
        return hidden
    }

    private func rmsNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, _ weight: Tensor) {
        weight.withUnsafeBufferPointer { w in
            Kernels.rmsNorm(x, rows: rows, columns: width, weight: w.baseAddress!, epsilon: config.normEpsilon)
        }
    }
}

/// A SwiGLU MLP, `down(silu(gate(x)) · up(x))`: Llama's dense layer, and each expert of a mixture.
struct SwiGLU: Sendable {
    let gate: Linear, up: Linear, down: Linear

    var inner: Int { gate.outFeatures }

    init(gate: Linear, up: Linear, down: Linear) {
        self.gate = gate
        self.up = up
        self.down = down
    }

    /// Reads `prefix + names.gate/up/down` (`.weight`, and `.bias` when `bias`).
    init(
        weights: Weights, prefix: String, names: (gate: String, up: String, down: String), hidden: Int, inner: Int,
        bias: Bool = false, because: String
    ) throws {
        gate = try weights.linear(prefix + names.gate, in: hidden, out: inner, bias: bias, because: because)
        up = try weights.linear(prefix + names.up, in: hidden, out: inner, bias: bias, because: because)
        down = try weights.linear(prefix + names.down, in: inner, out: hidden, bias: bias, because: because)
    }

    func converted(to precision: Precision) throws -> SwiGLU {
        SwiGLU(
            gate: try gate.converted(to: precision), up: try up.converted(to: precision),
            down: try down.converted(to: precision))
    }

    /// `rows` rows of `x` `[rows, hidden]` → `output` `[rows, hidden]`.
    func apply(_ x: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let count = rows * inner
        let g = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        let u = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        defer { g.deallocate(); u.deallocate() }
        gate.apply(x, rows: rows, output: g)
        up.apply(x, rows: rows, output: u)
        Kernels.silu(g, count: count)
        for e in 0..<count { g[e] *= u[e] }
        down.apply(g, rows: rows, output: output)
    }
}
