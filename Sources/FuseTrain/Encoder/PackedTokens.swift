/// The real tokens of one or more `TokenBatch`es, one sequence after another with no padding: what the training
/// graph's rows hold. Padding never reaches the encoder's output (masked keys get probability 0, mean pooling
/// weighs it 0), so dropping it changes no embedding or gradient, only the work: the GEMMs run over real tokens,
/// and both sides of a batch of pairs go through the encoder as one pass.
struct PackedTokens: Sendable {
    /// Per token: vocabulary id, token type, position in its padded sequence, and its mask value (pooling weight).
    let ids: [Int32]
    let typeIDs: [Int32]
    let positions: [Int32]
    let weights: [Float]
    /// Sequence s holds rows offsets[s] ..< offsets[s + 1] (`sequences + 1` entries).
    let offsets: [Int]
    /// The longest sequence's token count.
    let longest: Int

    var sequences: Int { offsets.count - 1 }
    var tokens: Int { offsets[offsets.count - 1] }

    /// The tokens whose mask entry is non-zero, batch after batch, sequence after sequence.
    init(_ batches: [TokenBatch]) {
        var ids: [Int32] = [], types: [Int32] = [], positions: [Int32] = [], weights: [Float] = []
        var offsets = [0], longest = 0
        for batch in batches {
            for b in 0..<batch.batch {
                let start = ids.count
                for t in 0..<batch.sequence where batch.mask[b * batch.sequence + t] != 0 {
                    let index = b * batch.sequence + t
                    ids.append(batch.ids[index])
                    types.append(batch.typeIDs[index])
                    positions.append(Int32(t))
                    weights.append(batch.mask[index])
                }
                offsets.append(ids.count)
                longest = max(longest, ids.count - start)
            }
        }
        self.ids = ids
        typeIDs = types
        self.positions = positions
        self.weights = weights
        self.offsets = offsets
        self.longest = longest
    }

    /// Where each sequence's attention probabilities start in a `[Σ heads · len²]` buffer (`sequences + 1` entries).
    func probabilityOffsets(heads: Int) -> [Int] {
        var result = [0]
        result.reserveCapacity(offsets.count)
        for s in 0..<sequences {
            let length = offsets[s + 1] - offsets[s]
            result.append(result[s] + heads * length * length)
        }
        return result
    }
}
