import FuseCore

/// Embeds discrete ids (text): `table[id] + positions[position] (+ tokenTypes[type])`, then an optional LayerNorm
/// (BERT's embedding LayerNorm; CLIP has none).
public struct IDEmbedder: ModalityEmbedder {
    public let modality: Modality
    /// The `[vocab, hidden]` word table (int8 rows when the model runs int8).
    public let words: TokenTable
    /// `[maxPositions, hidden]`.
    public let positions: Tensor
    /// `[typeVocab, hidden]`, BERT's token-type (segment) embeddings.
    public let tokenTypes: Tensor?
    public let norm: LayerNormWeights?
    public let modalityTypeEmbedding: Tensor?

    public init(
        modality: Modality, table: Tensor, positions: Tensor, tokenTypes: Tensor? = nil,
        norm: LayerNormWeights? = nil, modalityTypeEmbedding: Tensor? = nil, quantizedTable: QuantizedRows? = nil
    ) {
        self.modality = modality
        self.words = TokenTable(table: table, quantized: quantizedTable)
        self.positions = positions
        self.tokenTypes = tokenTypes
        self.norm = norm
        self.modalityTypeEmbedding = modalityTypeEmbedding
    }

    /// `[vocab, hidden]` fp32.
    public var table: Tensor { words.table }
    public var hiddenSize: Int { words.width }
    public var vocabSize: Int { words.vocabSize }
    public var maxPositions: Int { positions.shape[0] }

    public func embed(_ batch: [Tokens]) throws -> EmbeddedBatch {
        let idRows = try TokenIDRows.checked(
            batch, modality: modality, vocabSize: vocabSize, maxPositions: maxPositions)
        let sequence = batch.map(\.count).max() ?? 0
        let width = hiddenSize
        var mask = [Int32](repeating: 0, count: batch.count * sequence)
        var paddedIDs: [[Int32]] = []
        let typeCount = tokenTypes?.shape[0] ?? 0
        let hidden = Tensor(shape: [batch.count, sequence, width]) { out in
            positions.withUnsafeBufferPointer { positions in
                let types = tokenTypes?.withUnsafeBufferPointer { $0.baseAddress }
                for (item, tokens) in batch.enumerated() {
                    var row = idRows[item]
                    for t in 0..<sequence {
                        let line = out.baseAddress! + (item * sequence + t) * width
                        let real = t < tokens.count
                        // Padded slots (beyond an item's own tokens) embed id 0 at position 0; they are masked.
                        let id = real ? Int(row[t]) : 0
                        let position = real ? Int(tokens.positions[t]) : 0
                        let safeID = (0..<vocabSize).contains(id) ? id : 0
                        let safePosition = (0..<maxPositions).contains(position) ? position : 0
                        words.copyRow(safeID, into: line)
                        addRows(positions.baseAddress!, start: safePosition, rows: 1, width: width, into: line)
                        if let types, typeCount > 0 {
                            let type = real ? Int(tokens.tokenTypeIDs?[t] ?? 0) : 0
                            addRows(
                                types, start: (0..<typeCount).contains(type) ? type : 0, rows: 1,
                                width: width, into: line)
                        }
                        mask[item * sequence + t] = real ? tokens.attentionMask[t] : 0
                    }
                    while row.count < sequence { row.append(0) }
                    paddedIDs.append(row)
                }
            }
            norm?.apply(out.baseAddress!, rows: batch.count * sequence)
        }
        return EmbeddedBatch(hidden: hidden, mask: mask, ids: paddedIDs, prefixCount: 0)
    }

    /// With an int8 converter, the token table as int8 rows (its fp32 pages released); otherwise unchanged.
    public func reducedPrecision(_ converter: PrecisionConverter) throws -> any ModalityEmbedder {
        guard let words = try words.converted(converter) else { return self }
        return IDEmbedder(
            modality: modality, table: words.table, positions: positions, tokenTypes: tokenTypes, norm: norm,
            modalityTypeEmbedding: modalityTypeEmbedding, quantizedTable: words.quantized)
    }
}

/// The id rows of a batch of token sequences, checked for an id embedder: every sequence holds ids (not features),
/// and every attended id and position fits the embedding tables.
enum TokenIDRows {
    static func checked(
        _ batch: [Tokens], modality: Modality, vocabSize: Int, maxPositions: Int,
        limitLength: Bool = false
    ) throws -> [[Int32]] {
        var rows: [[Int32]] = []
        for tokens in batch {
            guard case .ids(let ids) = tokens.content else {
                throw ModelError.unsupportedModality(
                    model: "text embedder", modality: "\(tokens.modality) features",
                    available: ["\(modality) ids"])
            }
            if limitLength, tokens.count > maxPositions {
                throw ModelError.sequenceTooLong(modality: modality.name, length: tokens.count, limit: maxPositions)
            }
            for (index, id) in ids.enumerated() where tokens.attentionMask[index] != 0 {
                guard id >= 0, Int(id) < vocabSize else {
                    throw ModelError.tokenOutOfRange(modality: modality.name, id: id, vocabSize: vocabSize)
                }
                guard tokens.positions[index] >= 0, Int(tokens.positions[index]) < maxPositions else {
                    throw ModelError.sequenceTooLong(
                        modality: modality.name, length: Int(tokens.positions[index]) + 1,
                        limit: maxPositions)
                }
            }
            rows.append(ids)
        }
        return rows
    }
}
