import FuseCore

extension BERTTrainingGraph {
    /// Buffers the backward reuses across layers and calls, sized for `rows` tokens and `sequences` sequences.
    final class BackwardScratch: @unchecked Sendable {
        let rows: Int, sequences: Int
        /// The gradient flowing down the stack: into a layer's output, then into its input (the two swap roles).
        let gradientA: FloatBuffer, gradientB: FloatBuffer
        let dNormed1: FloatBuffer, dMasked: FloatBuffer, dActivated: FloatBuffer, dContext: FloatBuffer
        let dqkv: FloatBuffer, dEmbeddings: FloatBuffer

        init(rows: Int, sequences: Int, shape: BERTShape) {
            self.rows = rows
            self.sequences = sequences
            let c = shape.hidden
            gradientA = FloatBuffer(count: rows * c)
            gradientB = FloatBuffer(count: rows * c)
            dNormed1 = FloatBuffer(count: rows * c)
            dMasked = FloatBuffer(count: rows * c)
            dActivated = FloatBuffer(count: rows * shape.intermediate)
            dContext = FloatBuffer(count: rows * c)
            dqkv = FloatBuffer(count: rows * 3 * c)
            dEmbeddings = FloatBuffer(count: sequences * c)
        }
    }

    private func scratch(for tokens: PackedTokens) -> BackwardScratch {
        if let scratch = backwardScratch, scratch.rows >= tokens.tokens, scratch.sequences >= tokens.sequences {
            return scratch
        }
        let scratch = BackwardScratch(
            rows: max(tokens.tokens, backwardScratch?.rows ?? 0),
            sequences: max(tokens.sequences, backwardScratch?.sequences ?? 0), shape: shape)
        backwardScratch = scratch
        return scratch
    }

    /// Adds the gradient of a loss to every parameter's gradient (call `zeroGradients()` first, or accumulate over
    /// several batches), given ∂loss/∂embeddings as `[B][C]`.
    public func backward(_ state: ForwardState, embeddingGradients: [[Float]]) {
        let a = state.activations, tokens = a.tokens, s = shape, c = s.hidden
        let rows = tokens.tokens
        gradientsAreZero = false
        let d = scratch(for: tokens)
        d.dEmbeddings.pointer.update(repeating: 0, count: tokens.sequences * c)
        for (b, row) in embeddingGradients.enumerated() where b < tokens.sequences {
            for i in 0..<min(c, row.count) { d.dEmbeddings[b * c + i] = row[i] }
        }
        var dOutput = d.gradientA, dInput = d.gradientB
        PoolingPass.backward(
            dNormalized: d.dEmbeddings.pointer, normalized: a.embeddings.pointer, norms: a.norms.pointer,
            tokens: tokens, width: c, dx: dOutput.pointer)
        for l in stride(from: s.layers - 1, through: 0, by: -1) {
            let input = l == 0 ? a.embedded : a.layers[l - 1].output
            backwardLayer(l, a.layers[l], input: input, dOutput: dOutput, dInput: dInput, activations: a, scratch: d)
            swap(&dOutput, &dInput)
        }
        if a.dropout { DropoutPass.apply(dOutput.pointer, mask: a.embeddingMask.pointer, count: rows * c) }
        let dSum = d.dNormed1
        LayerNormPass.backward(
            dOutput.pointer, x: a.embeddingSum.pointer, rows: rows, width: c, weight: w("embeddings.LayerNorm.weight"),
            mean: a.embeddingMean.pointer, rstd: a.embeddingRstd.pointer, dWeight: g("embeddings.LayerNorm.weight"),
            dBias: g("embeddings.LayerNorm.bias"), dx: dSum.pointer)
        let dWords = g("embeddings.word_embeddings.weight"), dPositions = g("embeddings.position_embeddings.weight")
        let dTypes = g("embeddings.token_type_embeddings.weight")
        for id in tokens.ids { wordRowsWithGradient.insert(Int(id)) }
        for r in 0..<rows {
            let grad = dSum.pointer + r * c
            let word = dWords + Int(tokens.ids[r]) * c, position = dPositions + Int(tokens.positions[r]) * c
            let type = dTypes + Int(tokens.typeIDs[r]) * c
            for i in 0..<c {
                word[i] += grad[i]
                position[i] += grad[i]
                type[i] += grad[i]
            }
        }
    }

    private func backwardLayer(
        _ l: Int, _ a: BERTActivations.Layer, input x: FloatBuffer, dOutput: FloatBuffer, dInput: FloatBuffer,
        activations: BERTActivations, scratch d: BackwardScratch
    ) {
        let s = shape, c = s.hidden, n = s.intermediate, rows = activations.tokens.tokens
        let dropout = activations.dropout
        let p = "encoder.layer.\(l)."
        // output = LN2(dropout(mlp) + normed1): dNormed1 gets the skip path's share, the MLP its masked copy.
        LayerNormPass.backward(
            dOutput.pointer, x: a.residual2.pointer, rows: rows, width: c, weight: w(p + "output.LayerNorm.weight"),
            mean: a.mean2.pointer, rstd: a.rstd2.pointer, dWeight: g(p + "output.LayerNorm.weight"),
            dBias: g(p + "output.LayerNorm.bias"), dx: d.dNormed1.pointer, mask: dropout ? a.outputMask2.pointer : nil,
            dxMasked: dropout ? d.dMasked.pointer : nil)
        LinearPass.backward(
            (dropout ? d.dMasked : d.dNormed1).pointer, x: a.activated.pointer, rows: rows, inputs: n, outputs: c,
            weight: w(p + "output.dense.weight"), dWeight: g(p + "output.dense.weight"),
            dBias: g(p + "output.dense.bias"), dx: d.dActivated.pointer, accumulate: false)
        GELUPass.backward(d.dActivated.pointer, x: a.intermediate.pointer, count: rows * n)
        LinearPass.backward(
            d.dActivated.pointer, x: a.normed1.pointer, rows: rows, inputs: c, outputs: n,
            weight: w(p + "intermediate.dense.weight"), dWeight: g(p + "intermediate.dense.weight"),
            dBias: g(p + "intermediate.dense.bias"), dx: d.dNormed1.pointer)
        // normed1 = LN1(dropout(attention) + x): dInput gets the skip path's share, the attention its masked copy.
        LayerNormPass.backward(
            d.dNormed1.pointer, x: a.residual1.pointer, rows: rows, width: c,
            weight: w(p + "attention.output.LayerNorm.weight"), mean: a.mean1.pointer, rstd: a.rstd1.pointer,
            dWeight: g(p + "attention.output.LayerNorm.weight"), dBias: g(p + "attention.output.LayerNorm.bias"),
            dx: dInput.pointer, mask: dropout ? a.outputMask1.pointer : nil, dxMasked: dropout ? d.dMasked.pointer : nil
        )
        LinearPass.backward(
            (dropout ? d.dMasked : dInput).pointer, x: a.context.pointer, rows: rows, inputs: c, outputs: c,
            weight: w(p + "attention.output.dense.weight"), dWeight: g(p + "attention.output.dense.weight"),
            dBias: g(p + "attention.output.dense.bias"), dx: d.dContext.pointer, accumulate: false)
        AttentionPass.backward(
            dContext: d.dContext.pointer, qkv: a.qkv.pointer, probabilities: a.probabilities.pointer,
            layout: attentionLayout(activations), dqkv: d.dqkv.pointer,
            dropout: dropout
                ? (UnsafePointer(a.attentionMask.pointer), UnsafePointer(a.droppedProbabilities.pointer)) : nil)
        // The stacked query/key/value weights [3C, C]: one product for dW, one for dx (added to the skip path's).
        LinearPass.backward(
            d.dqkv.pointer, x: x.pointer, rows: rows, inputs: c, outputs: 3 * c,
            weight: w(p + "attention.self.query.weight"), dWeight: g(p + "attention.self.query.weight"),
            dBias: g(p + "attention.self.query.bias"), dx: dInput.pointer)
    }
}
