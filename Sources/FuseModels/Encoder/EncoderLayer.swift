import FuseCore

/// One transformer block's weights: self-attention (separate query/key/value projections, as Hugging Face
/// checkpoints store them), the output projection, the MLP, and two LayerNorms whose placement the encoder's
/// `NormPlacement` decides (`norm1` guards attention, `norm2` the MLP).
public struct EncoderLayer: Sendable {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let norm1: LayerNormWeights
    public let fc1: Linear
    public let fc2: Linear
    public let norm2: LayerNormWeights
    /// Query, key and value as one `[3·D, D]` layer, set when the layer computes in reduced precision: one GEMM (and
    /// one quantization of the input rows) instead of three, its columns written straight into q, k and v. nil in
    /// fp32, which keeps the three separate GEMMs of the exact path.
    public let fusedQKV: Linear?
    /// Whether attention multiplies bf16-rounded operands (`Kernels.scaledDotProductAttention(…, bf16: true)`;
    /// scores, mask and softmax stay fp32): set when the block converts to bf16, and for int8 towers over patches
    /// (`OutlierProbe.patchInt8Recipe`). Where the CPU lacks AVX512-BF16 the kernel runs fp32 instead.
    public let attentionInBF16: Bool

    public init(
        query: Linear, key: Linear, value: Linear, output: Linear, norm1: LayerNormWeights,
        fc1: Linear, fc2: Linear, norm2: LayerNormWeights, fusedQKV: Linear? = nil, attentionInBF16: Bool = false
    ) {
        self.fusedQKV = fusedQKV
        self.attentionInBF16 = attentionInBF16
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        self.norm1 = norm1
        self.fc1 = fc1
        self.fc2 = fc2
        self.norm2 = norm2
    }

    /// Query, key and value of `rows` input rows into three `rows × D` buffers: one stacked GEMM when the layer
    /// computes in reduced precision (`fusedQKV`), else the three exact projections.
    public func projectQKV(
        _ input: UnsafePointer<Float>, rows: Int, query q: UnsafeMutablePointer<Float>,
        key k: UnsafeMutablePointer<Float>, value v: UnsafeMutablePointer<Float>
    ) {
        if let fusedQKV {
            fusedQKV.apply(input, rows: rows, outputs: [q, k, v])
        } else {
            query.apply(input, rows: rows, output: q)
            key.apply(input, rows: rows, output: k)
            value.apply(input, rows: rows, output: v)
        }
    }

    /// Splits a fused `[3·D, D]` qkv projection (timm, Meta-Transformer) into query, key and value layers.
    /// The rows are views of the fused tensor, so nothing is copied.
    public static func splitFused(_ qkv: Linear, hiddenSize: Int) throws -> (Linear, Linear, Linear) {
        func part(_ index: Int) throws -> Linear {
            let rows = (index * hiddenSize)..<((index + 1) * hiddenSize)
            return try Linear(weight: try qkv.weight.rows(rows), bias: try qkv.bias.map { try $0.rows(rows) })
        }
        return (try part(0), try part(1), try part(2))
    }
}
