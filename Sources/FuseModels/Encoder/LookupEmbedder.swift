import FuseCore

/// Embeds discrete ids for encoders whose embeddings are more than BERT's sum: the word vector
/// (`+ positions[position]` when the model has absolute positions, `+ tokenTypes[type]` when it has segments),
/// an optional projection from the table's width to the encoder's (DeBERTa's `embed_proj`), a LayerNorm, and
/// padded rows set to zero (DeBERTa multiplies its embeddings by the mask; ModernBERT never reads them).
///
/// ModernBERT: table + LayerNorm (positions come from RoPE inside attention). DeBERTa-v2/v3: all of it.
public struct LookupEmbedder: ModalityEmbedder {
    public let modality: Modality
    /// The `[vocab, embeddingWidth]` word table (int8 rows when the model runs int8).
    public let words: TokenTable
    /// `[maxPositions, embeddingWidth]`, nil when positions are relative only.
    public let positions: Tensor?
    /// `[typeVocab, embeddingWidth]`, nil when the model has no segments (`type_vocab_size` 0).
    public let tokenTypes: Tensor?
    /// `embeddingWidth → hiddenSize`, nil when they are equal.
    public let projection: Linear?
    public let norm: LayerNormWeights
    /// The longest sequence the model accepts (its `max_position_embeddings`).
    public let maxPositions: Int

    public init(
        modality: Modality, table: Tensor, positions: Tensor?, tokenTypes: Tensor?, projection: Linear?,
        norm: LayerNormWeights, maxPositions: Int, quantizedTable: QuantizedRows? = nil
    ) {
        self.modality = modality
        self.words = TokenTable(table: table, quantized: quantizedTable)
        self.positions = positions
        self.tokenTypes = tokenTypes
        self.projection = projection
        self.norm = norm
        self.maxPositions = maxPositions
    }

    /// `[vocab, embeddingWidth]` fp32.
    public var table: Tensor { words.table }
    public var hiddenSize: Int { projection?.outFeatures ?? words.width }
    public var vocabSize: Int { words.vocabSize }

    public func embed(_ batch: [Tokens]) throws -> EmbeddedBatch {
        let rows = try TokenIDRows.checked(
            batch, modality: modality, vocabSize: vocabSize, maxPositions: maxPositions,
            limitLength: true)
        let sequence = batch.map(\.count).max() ?? 0
        let (width, count) = (words.width, batch.count * sequence)
        var mask = [Int32](repeating: 0, count: count)
        let typeCount = tokenTypes?.shape[0] ?? 0
        var summed = Tensor(shape: [batch.count, sequence, width]) { out in
            out.update(repeating: 0)
            for (item, tokens) in batch.enumerated() {
                for t in 0..<tokens.count where tokens.attentionMask[t] != 0 {
                    let line = out.baseAddress! + (item * sequence + t) * width
                    mask[item * sequence + t] = tokens.attentionMask[t]
                    words.copyRow(Int(rows[item][t]), into: line)
                    positions?.withUnsafeBufferPointer {
                        addRows($0.baseAddress!, start: Int(tokens.positions[t]), rows: 1, width: width, into: line)
                    }
                    if typeCount > 0, let tokenTypes {
                        let type = Int(tokens.tokenTypeIDs?[t] ?? 0)
                        tokenTypes.withUnsafeBufferPointer {
                            addRows(
                                $0.baseAddress!, start: (0..<typeCount).contains(type) ? type : 0, rows: 1,
                                width: width, into: line)
                        }
                    }
                }
            }
        }
        if let projection { summed = try projection(summed) }
        let hidden = hiddenSize
        summed.withUnsafeMutableBufferPointer { out in
            norm.apply(out.baseAddress!, rows: count)
            for row in 0..<count where mask[row] == 0 {
                (out.baseAddress! + row * hidden).update(repeating: 0, count: hidden)
            }
        }
        var paddedIDs = rows
        for index in paddedIDs.indices {
            paddedIDs[index] += Array(repeating: 0, count: sequence - paddedIDs[index].count)
        }
        return EmbeddedBatch(hidden: summed, mask: mask, ids: paddedIDs, prefixCount: 0)
    }

    /// With an int8 converter, the token table as int8 rows (its fp32 pages released) and the projection in the
    /// converter's precision; otherwise unchanged.
    public func reducedPrecision(_ converter: PrecisionConverter) throws -> any ModalityEmbedder {
        guard let words = try words.converted(converter) else { return self }
        return LookupEmbedder(
            modality: modality, table: words.table, positions: positions, tokenTypes: tokenTypes,
            projection: projection, norm: norm, maxPositions: maxPositions, quantizedTable: words.quantized)
    }
}

extension Weights {
    /// A LayerNorm `name.weight` (and `name.bias` when `bias`; else a zero bias, as `nn.LayerNorm(bias=False)`).
    func layerNorm(_ name: String, width: Int, epsilon: Double, bias: Bool, because: String) throws -> LayerNormWeights
    {
        if bias { return try layerNorm(name, width: width, epsilon: epsilon, because: because) }
        return LayerNormWeights(
            weight: try tensor(name + ".weight", shape: [width], because: because),
            bias: Tensor(zeros: [width]), epsilon: Float(epsilon))
    }
}
