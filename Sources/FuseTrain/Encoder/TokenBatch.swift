/// A padded batch of token sequences for training: `batch × sequence` ids, token types and attention mask
/// (1 for real tokens, 0 for padding), row-major. Positions are 0..<sequence, as BERT numbers them.
public struct TokenBatch: Sendable, Equatable {
    public let ids: [Int32]
    public let typeIDs: [Int32]
    public let mask: [Float]
    public let batch: Int
    public let sequence: Int

    /// Throws `SetFitError.invalidTrainingData` when the arrays do not hold `batch × sequence` entries.
    public init(ids: [Int32], typeIDs: [Int32], mask: [Float], batch: Int, sequence: Int) throws {
        let count = batch * sequence
        guard batch > 0, sequence > 0, ids.count == count, typeIDs.count == count, mask.count == count else {
            throw SetFitError.invalidTrainingData(
                reason: "a token batch of \(batch) × \(sequence) needs \(count) ids, types and mask entries "
                    + "(got \(ids.count), \(typeIDs.count), \(mask.count))")
        }
        self.ids = ids
        self.typeIDs = typeIDs
        self.mask = mask
        self.batch = batch
        self.sequence = sequence
    }

    /// Pads sequences of ids (each with its own length ≥ 1) with `padID` to the longest; token types are 0.
    public init(sequences: [[Int32]], padID: Int32 = 0) throws {
        let longest = sequences.map(\.count).max() ?? 0
        var ids: [Int32] = [], mask: [Float] = []
        for sequence in sequences {
            ids += sequence + [Int32](repeating: padID, count: longest - sequence.count)
            mask +=
                [Float](repeating: 1, count: sequence.count) + [Float](repeating: 0, count: longest - sequence.count)
        }
        try self.init(
            ids: ids, typeIDs: [Int32](repeating: 0, count: ids.count), mask: mask, batch: sequences.count,
            sequence: longest)
    }
}
