import Foundation

/// Llama (`LlamaForCausalLM`): RMSNorm, rotary positions (theta and scaling from the config), grouped-query
/// attention, SwiGLU MLP (`down(silu(gate(x)) · up(x))`), output head separate or tied.
public struct LlamaModel: CausalLanguageModel {
    struct Block {
        let inputNorm: Tensor
        let q: Linear, k: Linear, v: Linear, o: Linear
        let postNorm: Tensor
        let gate: Linear, up: Linear, down: Linear
    }

    public let config: CausalLMConfig
    public let folder: URL
    let tokenEmbedding: Tensor
    let blocks: [Block]
    let finalNorm: Tensor
    let rotary: RotaryEmbedding
    public let outputEmbedding: Tensor

    init(config: CausalLMConfig, weights: WeightStore, folder: URL) throws {
        self.config = config
        self.folder = folder
        let d = config.hiddenSize, i = config.intermediateSize
        let qWidth = config.heads * config.headDim, kvWidth = config.keyValueHeads * config.headDim
        func linear(_ name: String, _ out: Int, _ inDim: Int, bias: Bool) throws -> Linear {
            try Linear(weight: weights.tensor(name + ".weight", [out, inDim]),
                       bias: bias ? weights.tensor(name + ".bias", [out]) : nil)
        }
        tokenEmbedding = try weights.tensor("model.embed_tokens.weight", [config.vocabSize, d])
        blocks = try (0..<config.layers).map { l in
            let b = "model.layers.\(l)."
            return Block(
                inputNorm: try weights.tensor(b + "input_layernorm.weight", [d]),
                q: try linear(b + "self_attn.q_proj", qWidth, d, bias: config.attentionBias),
                k: try linear(b + "self_attn.k_proj", kvWidth, d, bias: config.attentionBias),
                v: try linear(b + "self_attn.v_proj", kvWidth, d, bias: config.attentionBias),
                o: try linear(b + "self_attn.o_proj", d, qWidth, bias: config.attentionBias),
                postNorm: try weights.tensor(b + "post_attention_layernorm.weight", [d]),
                gate: try linear(b + "mlp.gate_proj", i, d, bias: config.mlpBias),
                up: try linear(b + "mlp.up_proj", i, d, bias: config.mlpBias),
                down: try linear(b + "mlp.down_proj", d, i, bias: config.mlpBias))
        }
        finalNorm = try weights.tensor("model.norm.weight", [d])
        if config.tieWordEmbeddings || !weights.contains("lm_head.weight") {
            outputEmbedding = tokenEmbedding
        } else {
            outputEmbedding = try weights.tensor("lm_head.weight", [config.vocabSize, d])
        }
        rotary = RotaryEmbedding(headDim: config.headDim, theta: config.ropeTheta, scaling: config.ropeScaling)
    }

    public func hiddenStates(_ ids: [Int32], cache: KVCache) throws -> Tensor {
        try validate(ids, cache: cache)
        let t = ids.count, d = config.hiddenSize, inner = config.intermediateSize, start = cache.length
        let qWidth = config.heads * config.headDim, kvWidth = config.keyValueHeads * config.headDim
        var hidden = Tensor(zeros: [t, d])
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: t * qWidth)
        let k = UnsafeMutablePointer<Float>.allocate(capacity: t * kvWidth)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: t * kvWidth)
        let attention = UnsafeMutablePointer<Float>.allocate(capacity: t * qWidth)
        let gate = UnsafeMutablePointer<Float>.allocate(capacity: t * inner)
        let up = UnsafeMutablePointer<Float>.allocate(capacity: t * inner)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        defer { [normed, q, k, v, attention, gate, up, out].forEach { $0.deallocate() } }
        hidden.withUnsafeMutableBufferPointer { hb in
            let h = hb.baseAddress!
            tokenEmbedding.withUnsafeBufferPointer { embedding in
                for r in 0..<t { (h + r * d).update(from: embedding.baseAddress! + Int(ids[r]) * d, count: d) }
            }
            for (layer, block) in blocks.enumerated() {
                normed.update(from: h, count: t * d)
                rmsNorm(normed, rows: t, block.inputNorm)
                block.q.apply(normed, rows: t, output: q)
                block.k.apply(normed, rows: t, output: k)
                block.v.apply(normed, rows: t, output: v)
                rotary.apply(q, rows: t, heads: config.heads, start: start)
                rotary.apply(k, rows: t, heads: config.keyValueHeads, start: start)
                cache.store(layer: layer, keys: k, values: v, rows: t)
                Kernels.scaledDotProductAttention(
                    query: q, key: cache.keys[layer], value: cache.values[layer], output: attention,
                    batch: 1, heads: config.heads, queryLength: t, keyLength: start + t, headDim: config.headDim,
                    causal: true, keyValueHeads: config.keyValueHeads)
                block.o.apply(attention, rows: t, output: out)
                Kernels.add(h, out, count: t * d)
                normed.update(from: h, count: t * d)
                rmsNorm(normed, rows: t, block.postNorm)
                block.gate.apply(normed, rows: t, output: gate)
                block.up.apply(normed, rows: t, output: up)
                Kernels.silu(gate, count: t * inner)
                for e in 0..<(t * inner) { gate[e] *= up[e] }
                block.down.apply(gate, rows: t, output: out)
                Kernels.add(h, out, count: t * d)
            }
            rmsNorm(h, rows: t, finalNorm)
        }
        cache.advance(by: t)
        return hidden
    }

    private func rmsNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, _ weight: Tensor) {
        weight.withUnsafeBufferPointer { w in
            Kernels.rmsNorm(x, rows: rows, columns: config.hiddenSize, weight: w.baseAddress!, epsilon: config.normEpsilon)
        }
    }
}
