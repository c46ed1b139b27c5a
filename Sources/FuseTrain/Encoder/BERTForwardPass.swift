import FuseCore

extension BERTTrainingGraph {
    /// The forward over packed tokens (already validated): embeddings, the layers, pooling.
    func forward(_ tokens: PackedTokens, training: Bool) -> ForwardState {
        let s = shape, c = s.hidden, rows = tokens.tokens
        let dropout = training && (s.hiddenDropout > 0 || s.attentionDropout > 0)
        let probabilityOffsets = tokens.probabilityOffsets(heads: s.heads)
        let a = activations(for: tokens, attention: probabilityOffsets[tokens.sequences], dropout: dropout)
        a.tokens = tokens
        a.probabilityOffsets = probabilityOffsets
        a.dropout = dropout
        let words = w("embeddings.word_embeddings.weight"), positions = w("embeddings.position_embeddings.weight")
        let types = w("embeddings.token_type_embeddings.weight")
        for r in 0..<rows {
            let out = a.embeddingSum.pointer + r * c
            let word = words + Int(tokens.ids[r]) * c, position = positions + Int(tokens.positions[r]) * c
            let type = types + Int(tokens.typeIDs[r]) * c
            for i in 0..<c { out[i] = word[i] + position[i] + type[i] }
        }
        LayerNormPass.forward(
            residual: a.embeddingSum.pointer, rows: rows, width: c, weight: w("embeddings.LayerNorm.weight"),
            bias: w("embeddings.LayerNorm.bias"), epsilon: s.layerNormEpsilon, into: a.embedded.pointer,
            mean: a.embeddingMean.pointer, rstd: a.embeddingRstd.pointer)
        if dropout {
            DropoutPass.drawMask(
                a.embeddingMask.pointer, count: rows * c, probability: s.hiddenDropout, random: &random)
            DropoutPass.apply(a.embedded.pointer, mask: a.embeddingMask.pointer, count: rows * c)
        }
        var input = a.embedded
        for (l, layer) in a.layers.enumerated() {
            forwardLayer(l, layer, input: input.pointer, activations: a)
            input = layer.output
        }
        PoolingPass.forward(
            input.pointer, tokens: tokens, width: c, pooled: a.pooled.pointer, norms: a.norms.pointer,
            normalized: a.embeddings.pointer)
        return ForwardState(activations: a)
    }

    func attentionLayout(_ a: BERTActivations) -> AttentionPass.Layout {
        AttentionPass.Layout(
            tokens: a.tokens, probabilityOffsets: a.probabilityOffsets, heads: shape.heads, headSize: shape.headSize)
    }

    private func forwardLayer(
        _ l: Int, _ a: BERTActivations.Layer, input x: UnsafeMutablePointer<Float>, activations: BERTActivations
    ) {
        let s = shape, c = s.hidden, n = s.intermediate, rows = activations.tokens.tokens
        let dropout = activations.dropout
        let p = "encoder.layer.\(l)."
        if dropout {
            let attentionCount = activations.probabilityOffsets[activations.tokens.sequences]
            DropoutPass.drawMask(
                a.attentionMask.pointer, count: attentionCount, probability: s.attentionDropout, random: &random)
            DropoutPass.drawMask(a.outputMask1.pointer, count: rows * c, probability: s.hiddenDropout, random: &random)
            DropoutPass.drawMask(a.outputMask2.pointer, count: rows * c, probability: s.hiddenDropout, random: &random)
        }
        // Query, key and value in one product: their weights are stacked [3C, C] (BERTParameters.layout).
        LinearPass.forward(
            x, rows: rows, inputs: c, outputs: 3 * c, weight: w(p + "attention.self.query.weight"),
            bias: w(p + "attention.self.query.bias"), into: a.qkv.pointer)
        AttentionPass.forward(
            qkv: a.qkv.pointer, layout: attentionLayout(activations), probabilities: a.probabilities.pointer,
            context: a.context.pointer,
            dropout: dropout ? (UnsafePointer(a.attentionMask.pointer), a.droppedProbabilities.pointer) : nil)
        LinearPass.forward(
            a.context.pointer, rows: rows, inputs: c, outputs: c, weight: w(p + "attention.output.dense.weight"),
            bias: w(p + "attention.output.dense.bias"), into: a.residual1.pointer)
        // normed1 = LN1(dropout(attention output) + x)
        LayerNormPass.forward(
            residual: a.residual1.pointer, mask: dropout ? a.outputMask1.pointer : nil, plus: x, rows: rows, width: c,
            weight: w(p + "attention.output.LayerNorm.weight"), bias: w(p + "attention.output.LayerNorm.bias"),
            epsilon: s.layerNormEpsilon, into: a.normed1.pointer, mean: a.mean1.pointer, rstd: a.rstd1.pointer)
        LinearPass.forward(
            a.normed1.pointer, rows: rows, inputs: c, outputs: n, weight: w(p + "intermediate.dense.weight"),
            bias: w(p + "intermediate.dense.bias"), into: a.intermediate.pointer)
        GELUPass.forward(a.intermediate.pointer, count: rows * n, into: a.activated.pointer)
        LinearPass.forward(
            a.activated.pointer, rows: rows, inputs: n, outputs: c, weight: w(p + "output.dense.weight"),
            bias: w(p + "output.dense.bias"), into: a.residual2.pointer)
        // output = LN2(dropout(MLP output) + normed1)
        LayerNormPass.forward(
            residual: a.residual2.pointer, mask: dropout ? a.outputMask2.pointer : nil, plus: a.normed1.pointer,
            rows: rows, width: c, weight: w(p + "output.LayerNorm.weight"), bias: w(p + "output.LayerNorm.bias"),
            epsilon: s.layerNormEpsilon, into: a.output.pointer, mean: a.mean2.pointer, rstd: a.rstd2.pointer)
    }
}
