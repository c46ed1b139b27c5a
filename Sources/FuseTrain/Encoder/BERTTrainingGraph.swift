import FuseCore

/// The BERT encoder as sentence-transformers trains it (embeddings + LayerNorm, post-LN blocks with padding-masked
/// self-attention and a GELU MLP, mean pooling, normalisation), each forward step paired with its backward, fp32,
/// over one flat parameter buffer and one flat gradient buffer. In training mode the config's dropout applies where
/// BERT applies it (embeddings, attention probabilities, each sub-layer's output), drawn from Fuse's own seeded
/// stream; evaluation mode (the default) has none.
///
/// ```swift
/// let graph = BERTTrainingGraph(parameters: parameters)
/// let state = try graph.forward(batch)                 // state.embeddings: [B, C] unit vectors
/// graph.zeroGradients()
/// graph.backward(state, embeddingGradients: dLoss_dEmbeddings)   // graph.gradients(name) per tensor
/// ```
public final class BERTTrainingGraph: @unchecked Sendable {
    public let parameters: BERTParameters
    let gradientBuffer: FloatBuffer

    /// The dropout stream (advanced by every training-mode forward).
    private var random: SplitMix64

    public init(parameters: BERTParameters, dropoutSeed: UInt64 = 0) {
        self.parameters = parameters
        gradientBuffer = FloatBuffer(count: parameters.count)
        random = SplitMix64(seed: dropoutSeed)
    }

    public var shape: BERTShape { parameters.shape }

    public func zeroGradients() { gradientBuffer.zero() }

    /// The accumulated gradient of tensor `name`.
    public func gradients(_ name: String) -> [Float] {
        guard let slot = parameters.slot(name) else { return [] }
        return Array(UnsafeBufferPointer(start: gradientBuffer.pointer + slot.offset, count: slot.count))
    }

    private func w(_ name: String) -> UnsafeMutablePointer<Float> { parameters.pointer(name) }
    private func g(_ name: String) -> UnsafeMutablePointer<Float> { parameters.pointer(name, in: gradientBuffer) }

    /// The saved activations of one forward pass; `embeddings` are the model's outputs.
    public struct ForwardState: @unchecked Sendable {
        let activations: BERTActivations
        /// One unit vector per sequence.
        public var embeddings: [[Float]] { activations.embeddingRows }
    }

    /// Runs the batch forward, keeping what the backward needs; `training` applies dropout. Throws
    /// `SetFitError.invalidTrainingData` when an id, token type or length does not fit the model's tables.
    public func forward(_ batch: TokenBatch, training: Bool = false) throws -> ForwardState {
        let s = shape, c = s.hidden, rows = batch.batch * batch.sequence
        guard batch.sequence <= s.maxPositions else {
            throw SetFitError.invalidTrainingData(
                reason: "sequences of \(batch.sequence) tokens exceed the model's \(s.maxPositions) positions")
        }
        if let id = batch.ids.first(where: { $0 < 0 || Int($0) >= s.vocabSize }) {
            throw SetFitError.invalidTrainingData(reason: "token id \(id) is outside the vocabulary of \(s.vocabSize)")
        }
        if let type = batch.typeIDs.first(where: { $0 < 0 || Int($0) >= s.typeVocabSize }) {
            throw SetFitError.invalidTrainingData(reason: "token type \(type) is outside 0..<\(s.typeVocabSize)")
        }
        let dropout = training && (s.hiddenDropout > 0 || s.attentionDropout > 0)
        let a = BERTActivations(batch: batch, shape: s, dropout: dropout)
        let words = w("embeddings.word_embeddings.weight"), positions = w("embeddings.position_embeddings.weight")
        let types = w("embeddings.token_type_embeddings.weight")
        for r in 0..<rows {
            let out = a.embeddingSum.pointer + r * c
            let word = words + Int(batch.ids[r]) * c, position = positions + (r % batch.sequence) * c
            let type = types + Int(batch.typeIDs[r]) * c
            for i in 0..<c { out[i] = word[i] + position[i] + type[i] }
        }
        LayerNormPass.forward(
            a.embeddingSum.pointer, rows: rows, width: c, weight: w("embeddings.LayerNorm.weight"),
            bias: w("embeddings.LayerNorm.bias"), epsilon: s.layerNormEpsilon, into: a.embedded.pointer,
            mean: a.embeddingMean.pointer, rstd: a.embeddingRstd.pointer)
        if dropout {
            DropoutPass.drawMask(
                a.embeddingMask.pointer, count: rows * c, probability: s.hiddenDropout, random: &random)
            DropoutPass.apply(a.embedded.pointer, mask: a.embeddingMask.pointer, count: rows * c)
        }
        var input = a.embedded
        for (l, layer) in a.layers.enumerated() {
            forwardLayer(l, layer, input: input.pointer, batch: batch, dropout: dropout)
            input = layer.output
        }
        PoolingPass.forward(
            input.pointer, mask: batch.mask, batch: batch.batch, sequence: batch.sequence, width: c,
            pooled: a.pooled.pointer, norms: a.norms.pointer, normalized: a.embeddings.pointer)
        return ForwardState(activations: a)
    }

    private func forwardLayer(
        _ l: Int, _ a: BERTActivations.Layer, input x: UnsafeMutablePointer<Float>, batch: TokenBatch, dropout: Bool
    ) {
        let s = shape, c = s.hidden, n = s.intermediate, rows = batch.batch * batch.sequence
        let p = "encoder.layer.\(l)."
        if dropout {
            DropoutPass.drawMask(
                a.attentionMask.pointer, count: a.attentionMask.count, probability: s.attentionDropout, random: &random)
            DropoutPass.drawMask(a.outputMask1.pointer, count: rows * c, probability: s.hiddenDropout, random: &random)
            DropoutPass.drawMask(a.outputMask2.pointer, count: rows * c, probability: s.hiddenDropout, random: &random)
        }
        LinearPass.forward(
            x, rows: rows, inputs: c, outputs: c, weight: w(p + "attention.self.query.weight"),
            bias: w(p + "attention.self.query.bias"), into: a.q.pointer)
        LinearPass.forward(
            x, rows: rows, inputs: c, outputs: c, weight: w(p + "attention.self.key.weight"),
            bias: w(p + "attention.self.key.bias"), into: a.k.pointer)
        LinearPass.forward(
            x, rows: rows, inputs: c, outputs: c, weight: w(p + "attention.self.value.weight"),
            bias: w(p + "attention.self.value.bias"), into: a.v.pointer)
        AttentionPass.forward(
            q: a.q.pointer, k: a.k.pointer, v: a.v.pointer, mask: batch.mask, sizes: sizes(batch),
            probabilities: a.probabilities.pointer, context: a.context.pointer,
            dropout: dropout ? (UnsafePointer(a.attentionMask.pointer), a.droppedProbabilities.pointer) : nil)
        LinearPass.forward(
            a.context.pointer, rows: rows, inputs: c, outputs: c, weight: w(p + "attention.output.dense.weight"),
            bias: w(p + "attention.output.dense.bias"), into: a.residual1.pointer)
        if dropout { DropoutPass.apply(a.residual1.pointer, mask: a.outputMask1.pointer, count: rows * c) }
        for i in 0..<(rows * c) { a.residual1[i] += x[i] }
        LayerNormPass.forward(
            a.residual1.pointer, rows: rows, width: c, weight: w(p + "attention.output.LayerNorm.weight"),
            bias: w(p + "attention.output.LayerNorm.bias"), epsilon: s.layerNormEpsilon, into: a.normed1.pointer,
            mean: a.mean1.pointer, rstd: a.rstd1.pointer)
        LinearPass.forward(
            a.normed1.pointer, rows: rows, inputs: c, outputs: n, weight: w(p + "intermediate.dense.weight"),
            bias: w(p + "intermediate.dense.bias"), into: a.intermediate.pointer)
        GELUPass.forward(a.intermediate.pointer, count: rows * n, into: a.activated.pointer)
        LinearPass.forward(
            a.activated.pointer, rows: rows, inputs: n, outputs: c, weight: w(p + "output.dense.weight"),
            bias: w(p + "output.dense.bias"), into: a.residual2.pointer)
        if dropout { DropoutPass.apply(a.residual2.pointer, mask: a.outputMask2.pointer, count: rows * c) }
        for i in 0..<(rows * c) { a.residual2[i] += a.normed1[i] }
        LayerNormPass.forward(
            a.residual2.pointer, rows: rows, width: c, weight: w(p + "output.LayerNorm.weight"),
            bias: w(p + "output.LayerNorm.bias"), epsilon: s.layerNormEpsilon, into: a.output.pointer,
            mean: a.mean2.pointer, rstd: a.rstd2.pointer)
    }

    private func sizes(_ batch: TokenBatch) -> AttentionPass.Sizes {
        AttentionPass.Sizes(batch: batch.batch, sequence: batch.sequence, heads: shape.heads, headSize: shape.headSize)
    }

    /// Adds the gradient of a loss to every parameter's gradient (call `zeroGradients()` first, or accumulate over
    /// several batches), given ∂loss/∂embeddings as `[B][C]`.
    public func backward(_ state: ForwardState, embeddingGradients: [[Float]]) {
        let a = state.activations, batch = a.batch, s = shape, c = s.hidden
        let rows = batch.batch * batch.sequence
        let dEmbeddings = FloatBuffer(count: batch.batch * c)
        for (b, row) in embeddingGradients.enumerated() where b < batch.batch {
            for i in 0..<min(c, row.count) { dEmbeddings[b * c + i] = row[i] }
        }
        var dOutput = FloatBuffer(count: rows * c)
        PoolingPass.backward(
            dNormalized: dEmbeddings.pointer, normalized: a.embeddings.pointer, norms: a.norms.pointer,
            mask: batch.mask, batch: batch.batch, sequence: batch.sequence, width: c, dx: dOutput.pointer)
        let scratch = BackwardScratch(rows: rows, shape: s, sequence: batch.sequence)
        for l in stride(from: s.layers - 1, through: 0, by: -1) {
            let input = l == 0 ? a.embedded : a.layers[l - 1].output
            let dInput = FloatBuffer(count: rows * c)
            backwardLayer(
                l, a.layers[l], input: input, dOutput: dOutput, dInput: dInput, batch: batch, scratch: scratch)
            dOutput = dInput
        }
        if a.dropout { DropoutPass.apply(dOutput.pointer, mask: a.embeddingMask.pointer, count: rows * c) }
        let dSum = FloatBuffer(count: rows * c)
        LayerNormPass.backward(
            dOutput.pointer, x: a.embeddingSum.pointer, rows: rows, width: c, weight: w("embeddings.LayerNorm.weight"),
            mean: a.embeddingMean.pointer, rstd: a.embeddingRstd.pointer, dWeight: g("embeddings.LayerNorm.weight"),
            dBias: g("embeddings.LayerNorm.bias"), dx: dSum.pointer)
        let dWords = g("embeddings.word_embeddings.weight"), dPositions = g("embeddings.position_embeddings.weight")
        let dTypes = g("embeddings.token_type_embeddings.weight")
        for r in 0..<rows {
            let grad = dSum.pointer + r * c
            let word = dWords + Int(batch.ids[r]) * c, position = dPositions + (r % batch.sequence) * c
            let type = dTypes + Int(batch.typeIDs[r]) * c
            for i in 0..<c {
                word[i] += grad[i]
                position[i] += grad[i]
                type[i] += grad[i]
            }
        }
    }

    /// Buffers the backward of one layer reuses.
    final class BackwardScratch: @unchecked Sendable {
        let dResidual2: FloatBuffer, dNormed1: FloatBuffer, dActivated: FloatBuffer, dIntermediate: FloatBuffer
        let dResidual1: FloatBuffer, dContext: FloatBuffer, dq: FloatBuffer, dk: FloatBuffer, dv: FloatBuffer
        let dScores: FloatBuffer

        init(rows: Int, shape: BERTShape, sequence: Int) {
            let c = shape.hidden, n = shape.intermediate
            dResidual2 = FloatBuffer(count: rows * c)
            dNormed1 = FloatBuffer(count: rows * c)
            dActivated = FloatBuffer(count: rows * n)
            dIntermediate = FloatBuffer(count: rows * n)
            dResidual1 = FloatBuffer(count: rows * c)
            dContext = FloatBuffer(count: rows * c)
            dq = FloatBuffer(count: rows * c)
            dk = FloatBuffer(count: rows * c)
            dv = FloatBuffer(count: rows * c)
            dScores = FloatBuffer(count: sequence * sequence)
        }
    }

    private func backwardLayer(
        _ l: Int, _ a: BERTActivations.Layer, input x: FloatBuffer, dOutput: FloatBuffer, dInput: FloatBuffer,
        batch: TokenBatch, scratch d: BackwardScratch
    ) {
        let s = shape, c = s.hidden, n = s.intermediate, rows = batch.batch * batch.sequence
        let p = "encoder.layer.\(l)."
        for buffer in [d.dResidual2, d.dNormed1, d.dActivated, d.dResidual1, d.dContext] { buffer.zero() }
        // output = LN2(mlp + normed1)
        LayerNormPass.backward(
            dOutput.pointer, x: a.residual2.pointer, rows: rows, width: c, weight: w(p + "output.LayerNorm.weight"),
            mean: a.mean2.pointer, rstd: a.rstd2.pointer, dWeight: g(p + "output.LayerNorm.weight"),
            dBias: g(p + "output.LayerNorm.bias"), dx: d.dResidual2.pointer)
        d.dNormed1.pointer.update(from: d.dResidual2.pointer, count: rows * c)
        if a.outputMask2.count > 0 {
            DropoutPass.apply(d.dResidual2.pointer, mask: a.outputMask2.pointer, count: rows * c)
        }
        LinearPass.backward(
            d.dResidual2.pointer, x: a.activated.pointer, rows: rows, inputs: n, outputs: c,
            weight: w(p + "output.dense.weight"), dWeight: g(p + "output.dense.weight"),
            dBias: g(p + "output.dense.bias"), dx: d.dActivated.pointer)
        GELUPass.backward(
            d.dActivated.pointer, x: a.intermediate.pointer, count: rows * n, into: d.dIntermediate.pointer)
        LinearPass.backward(
            d.dIntermediate.pointer, x: a.normed1.pointer, rows: rows, inputs: c, outputs: n,
            weight: w(p + "intermediate.dense.weight"), dWeight: g(p + "intermediate.dense.weight"),
            dBias: g(p + "intermediate.dense.bias"), dx: d.dNormed1.pointer)
        // normed1 = LN1(attention + x)
        LayerNormPass.backward(
            d.dNormed1.pointer, x: a.residual1.pointer, rows: rows, width: c,
            weight: w(p + "attention.output.LayerNorm.weight"), mean: a.mean1.pointer, rstd: a.rstd1.pointer,
            dWeight: g(p + "attention.output.LayerNorm.weight"), dBias: g(p + "attention.output.LayerNorm.bias"),
            dx: d.dResidual1.pointer)
        dInput.pointer.update(from: d.dResidual1.pointer, count: rows * c)
        if a.outputMask1.count > 0 {
            DropoutPass.apply(d.dResidual1.pointer, mask: a.outputMask1.pointer, count: rows * c)
        }
        LinearPass.backward(
            d.dResidual1.pointer, x: a.context.pointer, rows: rows, inputs: c, outputs: c,
            weight: w(p + "attention.output.dense.weight"), dWeight: g(p + "attention.output.dense.weight"),
            dBias: g(p + "attention.output.dense.bias"), dx: d.dContext.pointer)
        AttentionPass.backward(
            dContext: d.dContext.pointer, q: a.q.pointer, k: a.k.pointer, v: a.v.pointer,
            probabilities: a.probabilities.pointer, sizes: sizes(batch), scratch: d.dScores.pointer,
            dq: d.dq.pointer, dk: d.dk.pointer, dv: d.dv.pointer,
            dropout: a.attentionMask.count > 0
                ? (UnsafePointer(a.attentionMask.pointer), UnsafePointer(a.droppedProbabilities.pointer)) : nil)
        for (projection, grad) in [("query", d.dq), ("key", d.dk), ("value", d.dv)] {
            LinearPass.backward(
                grad.pointer, x: x.pointer, rows: rows, inputs: c, outputs: c,
                weight: w(p + "attention.self.\(projection).weight"),
                dWeight: g(p + "attention.self.\(projection).weight"),
                dBias: g(p + "attention.self.\(projection).bias"), dx: dInput.pointer)
        }
    }
}
