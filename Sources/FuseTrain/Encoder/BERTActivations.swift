/// What the forward pass keeps for the backward (llm.c's `ActivationTensors`), over packed rows (`PackedTokens`).
/// Buffers are sized for a capacity, not for one batch, so the graph reuses them step after step.
final class BERTActivations: @unchecked Sendable {
    /// One encoder layer's saved tensors; its input is the previous layer's `output` (or the embeddings).
    final class Layer: @unchecked Sendable {
        /// Query, key and value side by side, `[rows, 3C]` (one GEMM against the stacked weights).
        let qkv: FloatBuffer
        let probabilities: FloatBuffer, context: FloatBuffer
        /// attention output + layer input (LayerNorm 1's input), then its statistics and output.
        let residual1: FloatBuffer, mean1: FloatBuffer, rstd1: FloatBuffer, normed1: FloatBuffer
        /// The MLP's pre-activation and GELU output.
        let intermediate: FloatBuffer, activated: FloatBuffer
        /// MLP output + normed1 (LayerNorm 2's input), then its statistics and the layer's output.
        let residual2: FloatBuffer, mean2: FloatBuffer, rstd2: FloatBuffer, output: FloatBuffer
        /// Dropout masks (empty without dropout): attention probabilities, then the two sub-layer outputs; and the
        /// probabilities after dropout, which multiply V.
        let attentionMask: FloatBuffer, droppedProbabilities: FloatBuffer
        let outputMask1: FloatBuffer, outputMask2: FloatBuffer

        init(rows: Int, hidden: Int, intermediate width: Int, attentionCount: Int, dropout: Bool) {
            qkv = FloatBuffer(count: rows * 3 * hidden)
            probabilities = FloatBuffer(count: attentionCount)
            context = FloatBuffer(count: rows * hidden)
            residual1 = FloatBuffer(count: rows * hidden)
            mean1 = FloatBuffer(count: rows)
            rstd1 = FloatBuffer(count: rows)
            normed1 = FloatBuffer(count: rows * hidden)
            intermediate = FloatBuffer(count: rows * width)
            activated = FloatBuffer(count: rows * width)
            residual2 = FloatBuffer(count: rows * hidden)
            mean2 = FloatBuffer(count: rows)
            rstd2 = FloatBuffer(count: rows)
            output = FloatBuffer(count: rows * hidden)
            attentionMask = FloatBuffer(count: dropout ? attentionCount : 0)
            droppedProbabilities = FloatBuffer(count: dropout ? attentionCount : 0)
            outputMask1 = FloatBuffer(count: dropout ? rows * hidden : 0)
            outputMask2 = FloatBuffer(count: dropout ? rows * hidden : 0)
        }
    }

    /// The capacity: rows (tokens), attention probabilities, and whether dropout masks exist.
    let rowCapacity: Int, attentionCapacity: Int, hasDropoutBuffers: Bool
    /// word + position + type embeddings, their LayerNorm statistics and output; the embeddings' dropout mask.
    let embeddingSum: FloatBuffer, embeddingMean: FloatBuffer, embeddingRstd: FloatBuffer, embedded: FloatBuffer
    let embeddingMask: FloatBuffer
    let layers: [Layer]
    /// Mean-pooled `[S, C]`, its norms, and the unit vectors the model outputs (S = sequences).
    let pooled: FloatBuffer, norms: FloatBuffer, embeddings: FloatBuffer

    /// The batch of the last forward pass, its attention layout, and whether it applied dropout.
    var tokens = PackedTokens([])
    var probabilityOffsets: [Int] = [0]
    var dropout = false

    init(rows: Int, attention: Int, sequences: Int, shape: BERTShape, dropout: Bool) {
        rowCapacity = rows
        attentionCapacity = attention
        hasDropoutBuffers = dropout
        let c = shape.hidden
        embeddingMask = FloatBuffer(count: dropout ? rows * c : 0)
        embeddingSum = FloatBuffer(count: rows * c)
        embeddingMean = FloatBuffer(count: rows)
        embeddingRstd = FloatBuffer(count: rows)
        embedded = FloatBuffer(count: rows * c)
        layers = (0..<shape.layers).map { _ in
            Layer(rows: rows, hidden: c, intermediate: shape.intermediate, attentionCount: attention, dropout: dropout)
        }
        pooled = FloatBuffer(count: sequences * c)
        norms = FloatBuffer(count: sequences)
        embeddings = FloatBuffer(count: sequences * c)
    }

    /// Whether these buffers can hold a pass over `tokens` (with dropout masks when `dropout`).
    func fits(_ tokens: PackedTokens, attention: Int, dropout: Bool) -> Bool {
        tokens.tokens <= rowCapacity && attention <= attentionCapacity && tokens.sequences <= norms.count
            && (!dropout || hasDropoutBuffers)
    }

    /// The sentence embeddings as rows.
    var embeddingRows: [[Float]] {
        let c = embeddings.count / max(norms.count, 1)
        return (0..<tokens.sequences).map {
            Array(UnsafeBufferPointer(start: embeddings.pointer + $0 * c, count: c))
        }
    }
}
