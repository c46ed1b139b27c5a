import Foundation
import FuseCore

/// DeBERTa-v2's optional convolution after the first block (`conv_kernel_size` > 0): a grouped 1-D convolution
/// over the first block's *input* (the embeddings), padded rows zero, an activation, then
/// `LayerNorm(block output + conv)`.
struct DeBERTaConvolution: Sendable {
    /// The weight rearranged `[kernel, hidden, hidden / groups]` so each tap is one GEMM per group.
    let taps: Tensor
    let bias: Tensor
    let kernelSize: Int
    let groups: Int
    /// `conv_act`: nil means tanh (transformers' default).
    let activation: Activation?
    let norm: LayerNormWeights

    /// `out[t] = bias + Σ_k x[t + k − (kernel − 1)/2] · W_kᵀ` within one item's `length` rows (zero beyond).
    func apply(
        input: UnsafePointer<Float>, residual: UnsafeMutablePointer<Float>, length: Int, width: Int,
        mask: [Int32]?, scratch: UnsafeMutablePointer<Float>
    ) {
        let padding = (kernelSize - 1) / 2
        let (inGroup, outGroup) = (width / groups, width / groups)
        for t in 0..<length {
            bias.withUnsafeBufferPointer { (scratch + t * width).update(from: $0.baseAddress!, count: width) }
        }
        taps.withUnsafeBufferPointer { w in
            for k in 0..<kernelSize {
                // Output rows t read input row t + k − padding; keep both inside [0, length).
                let shift = k - padding
                let first = max(0, -shift), last = min(length, length - shift)
                guard last > first else { continue }
                for g in 0..<groups {
                    Kernels.gemm(
                        transposeA: false, transposeB: true, m: last - first, n: outGroup, k: inGroup,
                        a: input + (first + shift) * width + g * inGroup, lda: width,
                        b: w.baseAddress! + (k * width + g * outGroup) * inGroup, ldb: inGroup,
                        beta: 1, c: scratch + first * width + g * outGroup, ldc: width)
                }
            }
        }
        if let mask {
            for t in 0..<length where mask[t] == 0 { (scratch + t * width).update(repeating: 0, count: width) }
        }
        if let activation {
            activation.apply(scratch, count: length * width)
        } else {
            for index in 0..<(length * width) { scratch[index] = tanhf(scratch[index]) }
        }
        Kernels.add(residual, scratch, count: length * width)
        norm.apply(residual, rows: length)
        if let mask {
            for t in 0..<length where mask[t] == 0 { (residual + t * width).update(repeating: 0, count: width) }
        }
    }
}

/// The relative-position part of a DeBERTa-v2 stack: the (normalised) relative embeddings, which terms attention
/// adds, and where each layer's position projections come from.
struct DeBERTaRelativeAttention: Sendable {
    let positions: RelativePositions
    /// `rel_embeddings` `[2·span, hidden]`, after `encoder.LayerNorm` when `norm_rel_ebd` says `layer_norm`.
    let embeddings: Tensor
    let contentToPosition: Bool
    let positionToContent: Bool
    /// Per layer, when `share_att_key` is false: `pos_key_proj` (c2p) and `pos_query_proj` (p2c).
    let positionKeys: [Linear?]
    let positionQueries: [Linear?]
    let shareAttentionKey: Bool
}

/// DeBERTa-v2/v3's block stack: post-LN blocks (BERT's layout) whose attention is disentangled
/// (`SegmentAttention`), an optional convolution after the first block, run on the packed batch (padding cut:
/// relative positions start at 0 in every item either way). Padded rows come back as zeros.
public struct DeBERTaEncoder: EncoderStack {
    public let config: EncoderConfig
    public private(set) var layers: [EncoderLayer]
    let relative: DeBERTaRelativeAttention?
    let convolution: DeBERTaConvolution?
    /// `1 + ` the number of terms `pos_att_type` names: the scale divides by `√(headDim · scaleFactor)` even when
    /// `relative_attention` is off (as transformers does).
    let scaleFactor: Int
    /// Per layer, `posKey` / `posQuery` over the relative embeddings: they depend on the weights only, so they are
    /// computed once here instead of on every call (12 GEMMs of `[2·span, hidden]` per call for a 6-layer model).
    /// Always fp32: a reduced-precision model keeps the exact position projections (`EncoderLayer.converted` keeps
    /// the fp32 query and key layers, which `share_att_key` reuses).
    private let projections: [PositionProjections]

    init(
        config: EncoderConfig, layers: [EncoderLayer], relative: DeBERTaRelativeAttention?,
        convolution: DeBERTaConvolution?, scaleFactor: Int
    ) throws {
        self.config = config
        self.layers = layers
        self.relative = relative
        self.convolution = convolution
        self.scaleFactor = scaleFactor
        projections =
            try relative.map { relative in
                try layers.indices.map { try Self.positionProjections(relative, layer: layers[$0], index: $0) }
            } ?? []
    }

    public var hiddenSize: Int { config.hiddenSize }
    /// The relative-position scheme, nil when `relative_attention` is off.
    public var relativePositions: RelativePositions? { relative?.positions }

    public func converted(_ converter: PrecisionConverter) throws -> any EncoderStack {
        var reduced = self
        reduced.layers = try layers.map { try $0.converted(converter) }
        return reduced
    }

    public var reducedSample: ReducedPrecisionWeights? { layers.first?.fc1.reduced }

    /// The stack with `replacement` in place of its blocks — a reduced-precision copy of them built outside
    /// FuseModels (GLiNER's NER recipe) — keeping the relative-position projections computed from the fp32 blocks.
    /// Throws unless `replacement` has as many blocks as the stack.
    public func replacingLayers(_ replacement: [EncoderLayer]) throws -> DeBERTaEncoder {
        guard replacement.count == layers.count else {
            throw FuseError.invalidArgument(
                what: "DeBERTa blocks", reason: "expected \(layers.count) replacement blocks, got \(replacement.count)")
        }
        var replaced = self
        replaced.layers = replacement
        return replaced
    }

    public func callAsFunction(_ hidden: Tensor, mask: [Int32]?, causal: Bool) throws -> Tensor {
        guard !causal else { throw CausalAttentionUnsupported(modelType: "deberta-v2") }
        let width = config.hiddenSize
        let (batch, sequence) = try checkedInput(hidden, mask: mask)
        let plan = PackedBatch(batch: batch, sequence: sequence, mask: mask, unpadded: true)
        var state = plan.pack(hidden)
        guard plan.rows > 0 else { return plan.unpack(state) }
        let embedded = state
        let (rows, inner) = (plan.rows, config.intermediateSize)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * (5 * width + inner))
        defer { scratch.deallocate() }
        state.withUnsafeMutableBufferPointer { x in
            embedded.withUnsafeBufferPointer { input in
                for (index, layer) in layers.enumerated() {
                    run(
                        layer, projections: projections.isEmpty ? nil : projections[index], x: x.baseAddress!,
                        plan: plan, scratch: scratch)
                    if index == 0, let convolution {
                        for segment in plan.segments where segment.length > 0 {
                            convolution.apply(
                                input: input.baseAddress! + segment.start * width,
                                residual: x.baseAddress! + segment.start * width, length: segment.length,
                                width: width, mask: segment.mask, scratch: scratch)
                        }
                    }
                }
            }
        }
        return plan.unpack(state)
    }

    /// The layer's `posKey` / `posQuery` over the relative embeddings (the layer's own key/query projections when
    /// `share_att_key`).
    private static func positionProjections(
        _ relative: DeBERTaRelativeAttention, layer: EncoderLayer, index: Int
    ) throws -> PositionProjections {
        let keyProjection = relative.shareAttentionKey ? layer.key : relative.positionKeys[index]
        let queryProjection = relative.shareAttentionKey ? layer.query : relative.positionQueries[index]
        return PositionProjections(
            posKey: relative.contentToPosition ? try keyProjection.map { try $0(relative.embeddings) } : nil,
            posQuery: relative.positionToContent ? try queryProjection.map { try $0(relative.embeddings) } : nil)
    }

    private func run(
        _ layer: EncoderLayer, projections: PositionProjections?, x: UnsafeMutablePointer<Float>,
        plan: PackedBatch, scratch: UnsafeMutablePointer<Float>
    ) {
        let (rows, width) = (plan.rows, config.hiddenSize)
        let count = rows * width
        let (query, key, value, context, mlp) = (
            scratch, scratch + count, scratch + 2 * count, scratch + 3 * count,
            scratch + 5 * count
        )
        let projected = scratch + 4 * count
        layer.projectQKV(x, rows: rows, query: query, key: key, value: value)
        let scale = 1 / (Float(config.headDim) * Float(scaleFactor)).squareRoot()
        let positions = relative?.positions ?? RelativePositions(buckets: 0, maxPosition: 1)
        func attend(_ posKey: UnsafePointer<Float>?, _ posQuery: UnsafePointer<Float>?) {
            let problem = SegmentAttention.Problem(
                query: query, key: key, value: value, output: context, posKey: posKey, posQuery: posQuery,
                heads: config.heads, headDim: config.headDim, span: relative == nil ? 0 : positions.span, scale: scale)
            SegmentAttention.run(problem, segments: plan.segments, positions: positions)
        }
        switch (projections?.posKey, projections?.posQuery) {
        case let (posKey?, posQuery?):
            posKey.withUnsafeBufferPointer { k in
                posQuery.withUnsafeBufferPointer { q in attend(k.baseAddress, q.baseAddress) }
            }
        case let (posKey?, nil):
            posKey.withUnsafeBufferPointer { attend($0.baseAddress, nil) }
        case let (nil, posQuery?):
            posQuery.withUnsafeBufferPointer { attend(nil, $0.baseAddress) }
        case (nil, nil):
            attend(nil, nil)
        }
        layer.output.apply(context, rows: rows, output: projected)
        Kernels.add(x, projected, count: count)
        layer.norm1.apply(x, rows: rows)
        layer.fc1.apply(x, rows: rows, output: mlp, activation: config.activation)
        layer.fc2.apply(mlp, rows: rows, output: projected)
        Kernels.add(x, projected, count: count)
        layer.norm2.apply(x, rows: rows)
    }
}
