/// What the forward pass keeps for the backward (llm.c's `ActivationTensors`), for one batch size and length.
final class BERTActivations: @unchecked Sendable {
    /// One encoder layer's saved tensors; its input is the previous layer's `output` (or the embeddings).
    final class Layer: @unchecked Sendable {
        let q: FloatBuffer, k: FloatBuffer, v: FloatBuffer
        let probabilities: FloatBuffer, context: FloatBuffer
        /// attention output + layer input (LayerNorm 1's input), then its statistics and output.
        let residual1: FloatBuffer, mean1: FloatBuffer, rstd1: FloatBuffer, normed1: FloatBuffer
        /// The MLP's pre-activation and GELU output.
        let intermediate: FloatBuffer, activated: FloatBuffer
        /// MLP output + normed1 (LayerNorm 2's input), then its statistics and the layer's output.
        let residual2: FloatBuffer, mean2: FloatBuffer, rstd2: FloatBuffer, output: FloatBuffer
        /// Dropout masks (empty when not training): attention probabilities, then the two sub-layer outputs; and
        /// the probabilities after dropout, which multiply V.
        let attentionMask: FloatBuffer, droppedProbabilities: FloatBuffer
        let outputMask1: FloatBuffer, outputMask2: FloatBuffer

        init(rows: Int, hidden: Int, intermediate width: Int, attentionCount: Int, dropout: Bool) {
            q = FloatBuffer(count: rows * hidden)
            k = FloatBuffer(count: rows * hidden)
            v = FloatBuffer(count: rows * hidden)
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

    let batch: TokenBatch
    /// word + position + type embeddings, their LayerNorm statistics and output.
    let embeddingSum: FloatBuffer, embeddingMean: FloatBuffer, embeddingRstd: FloatBuffer, embedded: FloatBuffer
    /// Whether dropout was applied (training mode with a non-zero probability), and the embeddings' mask.
    let dropout: Bool
    let embeddingMask: FloatBuffer
    let layers: [Layer]
    /// Mean-pooled `[B, C]`, its norms, and the unit vectors the model outputs.
    let pooled: FloatBuffer, norms: FloatBuffer, embeddings: FloatBuffer

    init(batch: TokenBatch, shape: BERTShape, dropout: Bool) {
        self.batch = batch
        self.dropout = dropout
        let rows = batch.batch * batch.sequence, c = shape.hidden
        embeddingMask = FloatBuffer(count: dropout ? rows * c : 0)
        embeddingSum = FloatBuffer(count: rows * c)
        embeddingMean = FloatBuffer(count: rows)
        embeddingRstd = FloatBuffer(count: rows)
        embedded = FloatBuffer(count: rows * c)
        layers = (0..<shape.layers).map { _ in
            Layer(
                rows: rows, hidden: c, intermediate: shape.intermediate,
                attentionCount: batch.batch * shape.heads * batch.sequence * batch.sequence, dropout: dropout)
        }
        pooled = FloatBuffer(count: batch.batch * c)
        norms = FloatBuffer(count: batch.batch)
        embeddings = FloatBuffer(count: batch.batch * c)
    }

    /// The sentence embeddings as rows.
    var embeddingRows: [[Float]] {
        let c = embeddings.count / batch.batch
        return (0..<batch.batch).map { Array(UnsafeBufferPointer(start: embeddings.pointer + $0 * c, count: c)) }
    }
}
