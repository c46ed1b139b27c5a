import FuseCore

/// One ModernBERT block's weights (see `ModernBERTFamily`).
struct ModernBERTLayer: Sendable {
    /// nil on the first layer, whose attention norm is the identity.
    let attentionNorm: LayerNormWeights?
    /// The three thirds of the fused `attn.Wqkv`.
    let query, key, value: Linear
    let attentionOutput: Linear
    let mlpNorm: LayerNormWeights
    /// The two halves of `mlp.Wi`: `act(input) · gate`.
    let mlpInput, mlpGate: Linear
    let mlpOutput: Linear
    /// The global or local theta's rotary frequencies.
    let rotary: RotaryEmbedding
    /// Local layers: keys at most this far from the query (`local_attention / 2`); nil on global layers.
    let window: Int?

    func converted(_ converter: PrecisionConverter) throws -> ModernBERTLayer {
        ModernBERTLayer(
            attentionNorm: attentionNorm, query: try converter.convert(query),
            key: try converter.convert(key), value: try converter.convert(value),
            attentionOutput: try converter.convert(attentionOutput), mlpNorm: mlpNorm,
            mlpInput: try converter.convert(mlpInput), mlpGate: try converter.convert(mlpGate),
            mlpOutput: try converter.convert(mlpOutput, sensitive: true), rotary: rotary, window: window)
    }
}

/// ModernBERT's block stack. With `unpadded` (the default) a batch runs without its padding: every item is cut
/// after its last real token and the items' rows are packed back to back, so the projections and the MLP touch
/// real tokens only and attention runs per item over its own length (what the reference does with its unpadded
/// flash-attention path). Rows of cut-off padding come back as zeros; real rows are identical either way.
public struct ModernBERTEncoder: EncoderStack {
    public let config: EncoderConfig
    let layers: [ModernBERTLayer]
    public let finalNorm: LayerNormWeights
    /// Whether batches run packed, without their trailing padding.
    public var unpadded: Bool

    init(config: EncoderConfig, layers: [ModernBERTLayer], finalNorm: LayerNormWeights, unpadded: Bool = true) {
        self.config = config
        self.layers = layers
        self.finalNorm = finalNorm
        self.unpadded = unpadded
    }

    public var hiddenSize: Int { config.hiddenSize }

    /// Which layers attend globally (the others see a window of `localWindow` on each side).
    public var globalLayers: [Bool] { layers.map { $0.window == nil } }
    public var localWindow: Int? { layers.lazy.compactMap(\.window).first }

    public func converted(_ converter: PrecisionConverter) throws -> any EncoderStack {
        ModernBERTEncoder(
            config: config, layers: try layers.map { try $0.converted(converter) }, finalNorm: finalNorm,
            unpadded: unpadded)
    }

    public var reducedSample: ReducedPrecisionWeights? { layers.first?.mlpInput.reduced }

    public func callAsFunction(_ hidden: Tensor, mask: [Int32]?, causal: Bool) throws -> Tensor {
        guard !causal else { throw CausalAttentionUnsupported(modelType: "modernbert") }
        let width = config.hiddenSize
        let (batch, sequence) = try checkedInput(hidden, mask: mask)
        let plan = PackedBatch(batch: batch, sequence: sequence, mask: mask, unpadded: unpadded)
        var state = plan.pack(hidden)
        guard plan.rows > 0 else { return plan.unpack(state) }
        let rows = plan.rows
        let inner = config.intermediateSize
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * (5 * width + 2 * inner))
        defer { scratch.deallocate() }
        state.withUnsafeMutableBufferPointer { x in
            for layer in layers { run(layer, x: x.baseAddress!, plan: plan, scratch: scratch) }
            finalNorm.apply(x.baseAddress!, rows: rows)
        }
        return plan.unpack(state)
    }

    private func run(
        _ layer: ModernBERTLayer, x: UnsafeMutablePointer<Float>, plan: PackedBatch,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let (rows, width, inner) = (plan.rows, config.hiddenSize, config.intermediateSize)
        let count = rows * width
        let (normed, query, key, value, context) = (
            scratch, scratch + count, scratch + 2 * count,
            scratch + 3 * count, scratch + 4 * count
        )
        let (input, gate) = (scratch + 5 * count, scratch + 5 * count + rows * inner)

        var attentionInput = UnsafePointer(x)
        if let norm = layer.attentionNorm {
            normed.update(from: x, count: count)
            norm.apply(normed, rows: rows)
            attentionInput = UnsafePointer(normed)
        }
        layer.query.apply(attentionInput, rows: rows, output: query)
        layer.key.apply(attentionInput, rows: rows, output: key)
        layer.value.apply(attentionInput, rows: rows, output: value)
        for segment in plan.segments where segment.length > 0 {
            let offset = segment.start * width
            layer.rotary.apply(query + offset, rows: segment.length, heads: config.heads, start: 0)
            layer.rotary.apply(key + offset, rows: segment.length, heads: config.heads, start: 0)
        }
        // Global layers see the whole segment; local layers the band |i − j| ≤ window (key blocks outside it are
        // skipped by the fused kernel).
        PackedBatch.attendPerItem(
            plan.segments[...], firstRow: 0, query: query, key: key, value: value, output: context,
            heads: config.heads, headDim: config.headDim, band: layer.window)
        layer.attentionOutput.apply(context, rows: rows, output: query)
        Kernels.add(x, query, count: count)

        normed.update(from: x, count: count)
        layer.mlpNorm.apply(normed, rows: rows)
        layer.mlpInput.apply(normed, rows: rows, output: input)
        layer.mlpGate.apply(normed, rows: rows, output: gate)
        config.activation.apply(input, count: rows * inner)
        for index in 0..<(rows * inner) { input[index] *= gate[index] }
        layer.mlpOutput.apply(input, rows: rows, output: query)
        Kernels.add(x, query, count: count)
    }
}
