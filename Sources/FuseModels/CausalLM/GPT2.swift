import Foundation
import FuseCore

/// GPT-2's `config.json` (`n_embd`, `n_layer`, `n_head`, `n_inner`, `n_positions`, `activation_function`).
public enum GPT2Family: CausalLMFamily {
    public static let modelTypes = ["gpt2"]

    public static func config(_ config: ConfigFile) throws -> CausalLMConfig {
        for unsupported in ["scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"]
        where try config.bool(unsupported, default: false) {
            throw ModelError.invalidField(file: config.path, field: unsupported, reason: "is not supported")
        }
        let hidden = try config.size("n_embd"), heads = try config.size("n_head")
        return try CausalLMConfig(
            modelType: "gpt2", vocabSize: config.size("vocab_size"), hiddenSize: hidden,
            layers: config.size("n_layer"), heads: heads, keyValueHeads: heads, headDim: hidden / heads,
            intermediateSize: config.size("n_inner", default: 4 * hidden), maxPositions: config.size("n_positions"),
            normEpsilon: Float(config.double("layer_norm_epsilon", default: 1e-5)),
            activation: config.activation("activation_function", default: "gelu_new"),
            tieWordEmbeddings: config.bool("tie_word_embeddings", default: true), ropeTheta: 0, ropeScaling: .none,
            attentionBias: true, outputProjectionBias: true, mlpBias: true, queryKeyNorm: false, clipQKV: nil,
            slidingWindow: nil, experts: nil, eosTokenID: CausalLMConfig.eosTokenID(config)
        )
        .validated(file: config.path, headDimIsFree: false)
    }

    public static func load(folder: URL, config: CausalLMConfig) throws -> any CausalLanguageModel {
        try GPT2Model(config: config, weights: Weights(directory: folder, anchor: "wte.weight"), folder: folder)
    }
}

/// GPT-2 (`GPT2LMHeadModel`): learned positions, pre-LayerNorm blocks, fused QKV `Conv1D` (weights stored
/// `[in, out]`), `gelu_new` MLP and the output head tied to the token embeddings.
public struct GPT2Model: CausalLanguageModel {
    struct Block {
        let ln1Weight: Tensor, ln1Bias: Tensor
        let qkvWeight: Tensor, qkvBias: Tensor  // [D, 3D]
        let projWeight: Tensor, projBias: Tensor  // [D, D]
        let ln2Weight: Tensor, ln2Bias: Tensor
        let fcWeight: Tensor, fcBias: Tensor  // [D, I]
        let fcProjWeight: Tensor, fcProjBias: Tensor  // [I, D]
    }

    public let config: CausalLMConfig
    public let folder: URL
    let tokenEmbedding: Tensor  // [V, D]
    let positionEmbedding: Tensor  // [P, D]
    let blocks: [Block]
    let finalNormWeight: Tensor, finalNormBias: Tensor
    public let outputEmbedding: Tensor
    public private(set) var outputProjection: Linear?
    public private(set) var precision = Precision.fp32
    /// The blocks' four projections as reduced-precision Linear layers, when converted.
    private(set) var reducedBlocks: [ReducedBlock]?

    struct ReducedBlock {
        let qkv: Linear, proj: Linear, fc: Linear, fcProj: Linear
    }

    public func converted(to precision: Precision) throws -> any CausalLanguageModel {
        var copy = self
        copy.reducedBlocks = try blocks.map { b in
            ReducedBlock(
                qkv: try .transposed(b.qkvWeight, bias: b.qkvBias, precision: precision),
                proj: try .transposed(b.projWeight, bias: b.projBias, precision: precision),
                fc: try .transposed(b.fcWeight, bias: b.fcBias, precision: precision),
                fcProj: try .transposed(b.fcProjWeight, bias: b.fcProjBias, precision: precision))
        }
        copy.outputProjection = try Linear(weight: outputEmbedding).converted(to: precision)
        copy.precision = precision
        return copy
    }

    init(config: CausalLMConfig, weights: Weights, folder: URL) throws {
        self.config = config
        self.folder = folder
        let d = config.hiddenSize, i = config.intermediateSize
        let because = "n_embd \(d), n_inner \(i), vocab_size \(config.vocabSize), n_positions \(config.maxPositions)"
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            try weights.tensor(name, shape: shape, because: because)
        }
        try weights.requireBlockCount(stem: "h", expected: config.layers, field: "n_layer")
        tokenEmbedding = try tensor("wte.weight", [config.vocabSize, d])
        positionEmbedding = try tensor("wpe.weight", [config.maxPositions, d])
        blocks = try (0..<config.layers).map { l in
            let b = "h.\(l)."
            return Block(
                ln1Weight: try tensor(b + "ln_1.weight", [d]), ln1Bias: try tensor(b + "ln_1.bias", [d]),
                qkvWeight: try tensor(b + "attn.c_attn.weight", [d, 3 * d]),
                qkvBias: try tensor(b + "attn.c_attn.bias", [3 * d]),
                projWeight: try tensor(b + "attn.c_proj.weight", [d, d]),
                projBias: try tensor(b + "attn.c_proj.bias", [d]),
                ln2Weight: try tensor(b + "ln_2.weight", [d]), ln2Bias: try tensor(b + "ln_2.bias", [d]),
                fcWeight: try tensor(b + "mlp.c_fc.weight", [d, i]), fcBias: try tensor(b + "mlp.c_fc.bias", [i]),
                fcProjWeight: try tensor(b + "mlp.c_proj.weight", [i, d]),
                fcProjBias: try tensor(b + "mlp.c_proj.bias", [d]))
        }
        finalNormWeight = try tensor("ln_f.weight", [d])
        finalNormBias = try tensor("ln_f.bias", [d])
        let root = weights.reading(under: "")
        if !config.tieWordEmbeddings, root.contains("lm_head.weight") {
            outputEmbedding = try root.tensor("lm_head.weight", shape: [config.vocabSize, d], because: because)
        } else {
            outputEmbedding = tokenEmbedding
        }
    }

    public func hiddenStates(_ ids: [Int32], cache: KVCache) throws -> Tensor {
        try validate(ids, cache: cache)
        let t = ids.count, d = config.hiddenSize, inner = config.intermediateSize, start = cache.length
        var hidden = Tensor(zeros: [t, d])
        let x = UnsafeMutablePointer<Float>.allocate(capacity: t * max(3 * d, inner))
        let q = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let k = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let attention = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        let normed = UnsafeMutablePointer<Float>.allocate(capacity: t * d)
        defer { [x, q, k, v, attention, normed].forEach { $0.deallocate() } }
        hidden.withUnsafeMutableBufferPointer { hb in
            let h = hb.baseAddress!
            tokenEmbedding.withUnsafeBufferPointer { wte in
                positionEmbedding.withUnsafeBufferPointer { wpe in
                    for r in 0..<t {
                        let row = h + r * d, token = wte.baseAddress! + Int(ids[r]) * d,
                            position = wpe.baseAddress! + (start + r) * d
                        for c in 0..<d { row[c] = token[c] + position[c] }
                    }
                }
            }
            for (layer, block) in blocks.enumerated() {
                normed.update(from: h, count: t * d)
                layerNorm(normed, rows: t, block.ln1Weight, block.ln1Bias)
                if let r = reducedBlocks?[layer] {
                    r.qkv.apply(normed, rows: t, output: x)
                } else {
                    conv1D(normed, rows: t, in: d, out: 3 * d, block.qkvWeight, block.qkvBias, into: x)
                }
                for r in 0..<t {
                    (q + r * d).update(from: x + r * 3 * d, count: d)
                    (k + r * d).update(from: x + r * 3 * d + d, count: d)
                    (v + r * d).update(from: x + r * 3 * d + 2 * d, count: d)
                }
                cache.store(layer: layer, keys: k, values: v, rows: t)
                Kernels.scaledDotProductAttention(
                    query: q, key: cache.keys[layer], value: cache.values[layer], output: attention,
                    batch: 1, heads: config.heads, queryLength: t, keyLength: start + t, headDim: config.headDim,
                    causal: true)
                if let r = reducedBlocks?[layer] {
                    r.proj.apply(attention, rows: t, output: normed)
                } else {
                    conv1D(attention, rows: t, in: d, out: d, block.projWeight, block.projBias, into: normed)
                }
                Kernels.add(h, normed, count: t * d)
                normed.update(from: h, count: t * d)
                layerNorm(normed, rows: t, block.ln2Weight, block.ln2Bias)
                if let r = reducedBlocks?[layer] {
                    r.fc.apply(normed, rows: t, output: x)
                } else {
                    conv1D(normed, rows: t, in: d, out: inner, block.fcWeight, block.fcBias, into: x)
                }
                config.activation.apply(x, count: t * inner)
                if let r = reducedBlocks?[layer] {
                    r.fcProj.apply(x, rows: t, output: normed)
                } else {
                    conv1D(x, rows: t, in: inner, out: d, block.fcProjWeight, block.fcProjBias, into: normed)
                }
                Kernels.add(h, normed, count: t * d)
            }
            layerNorm(h, rows: t, finalNormWeight, finalNormBias)
        }
        cache.advance(by: t)
        return hidden
    }

    private func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, _ weight: Tensor, _ bias: Tensor) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Kernels.layerNorm(
                    x, rows: rows, columns: config.hiddenSize, weight: w.baseAddress!, bias: b.baseAddress!,
                    epsilon: config.normEpsilon)
            }
        }
    }

    /// GPT-2's `Conv1D`: `y = x · W + b` with `W` stored `[in, out]`.
    private func conv1D(
        _ x: UnsafePointer<Float>, rows: Int, in inDim: Int, out outDim: Int, _ weight: Tensor,
        _ bias: Tensor, into y: UnsafeMutablePointer<Float>
    ) {
        weight.withUnsafeBufferPointer { w in
            Kernels.gemm(
                transposeA: false, transposeB: false, m: rows, n: outDim, k: inDim,
                a: x, lda: inDim, b: w.baseAddress!, ldb: outDim, c: y, ldc: outDim)
        }
        bias.withUnsafeBufferPointer { b in Kernels.addBias(y, rows: rows, columns: outDim, bias: b.baseAddress!) }
    }
}
