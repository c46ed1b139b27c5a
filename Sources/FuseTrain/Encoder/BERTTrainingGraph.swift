import CFuseKernels
import FuseCore

/// The BERT encoder as sentence-transformers trains it (embeddings + LayerNorm, post-LN blocks with padding-masked
/// self-attention and a GELU MLP, mean pooling, normalisation), each forward step paired with its backward, fp32,
/// over one flat parameter buffer and one flat gradient buffer. In training mode the config's dropout applies where
/// BERT applies it (embeddings, attention probabilities, each sub-layer's output), drawn from Fuse's own seeded
/// stream; evaluation mode (the default) has none.
///
/// Rows are the batch's real tokens, packed (`PackedTokens`): padding changes no output or gradient, so it is never
/// computed. The activation and backward buffers are kept and reused from one pass to the next.
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
    /// Whether the gradient buffer is known to hold zeros (then `zeroGradients()` has nothing to do).
    var gradientsAreZero = true

    /// The word-embedding table's place in the buffers, and the rows of it given a gradient so far.
    let wordSlot: BERTParameters.Slot
    var wordRowsWithGradient: TouchedRows

    /// The dropout stream (advanced by every training-mode forward).
    var random: SplitMix64
    /// The last pass's activations, reused by the next forward once no `ForwardState` holds them.
    var spareActivations: BERTActivations?
    /// The backward's buffers, grown to the largest batch seen.
    var backwardScratch: BackwardScratch?

    public init(parameters: BERTParameters, dropoutSeed: UInt64 = 0) {
        self.parameters = parameters
        gradientBuffer = FloatBuffer(count: parameters.count)
        random = SplitMix64(seed: dropoutSeed)
        wordSlot = parameters.slot("embeddings.word_embeddings.weight")!
        wordRowsWithGradient = TouchedRows(rows: wordSlot.shape[0])
    }

    public var shape: BERTShape { parameters.shape }

    public func zeroGradients() {
        guard !gradientsAreZero else { return }
        let pointer = gradientBuffer.pointer
        Kernels.parallelChunks(count: gradientBuffer.count, grain: 1 << 20) { chunk in
            (pointer + chunk.lowerBound).update(repeating: 0, count: chunk.count)
        }
        gradientsAreZero = true
    }

    /// The accumulated gradient of tensor `name`.
    public func gradients(_ name: String) -> [Float] {
        guard let slot = parameters.slot(name) else { return [] }
        return Array(UnsafeBufferPointer(start: gradientBuffer.pointer + slot.offset, count: slot.count))
    }

    /// The global L2 norm of the accumulated gradient (float lanes, double across blocks and cores). Word-embedding
    /// rows that never received a gradient hold zeros and are skipped.
    func gradientNorm() -> Float {
        let pointer = gradientBuffer.pointer, width = wordSlot.shape[1]
        let wordEnd = wordSlot.offset + wordSlot.count
        let ranges = [0..<wordSlot.offset, wordEnd..<gradientBuffer.count].filter { !$0.isEmpty }
        let blocks = Kernels.coreCount
        var squares = 0.0
        for range in ranges {
            squares += withUnsafeTemporaryAllocation(of: Double.self, capacity: blocks) { partials in
                let sums = partials.baseAddress!
                Kernels.parallelChunks(count: blocks, grain: range.count >= 1 << 16 ? 1 : blocks) { chunk in
                    for block in chunk {
                        let start = range.lowerBound + range.count * block / blocks
                        let end = range.lowerBound + range.count * (block + 1) / blocks
                        sums[block] = fuse_train_sum_squares(pointer + start, Int64(end - start))
                    }
                }
                return partials.reduce(0, +)
            }
        }
        for row in wordRowsWithGradient.list {
            squares += fuse_train_sum_squares(pointer + wordSlot.offset + row * width, Int64(width))
        }
        return Float(squares.squareRoot())
    }

    func w(_ name: String) -> UnsafeMutablePointer<Float> { parameters.pointer(name) }
    func g(_ name: String) -> UnsafeMutablePointer<Float> { parameters.pointer(name, in: gradientBuffer) }

    /// The saved activations of one forward pass; `embeddings` are the model's outputs.
    public struct ForwardState: @unchecked Sendable {
        let activations: BERTActivations
        /// One unit vector per sequence.
        public var embeddings: [[Float]] { activations.embeddingRows }
    }

    /// Runs the batch forward, keeping what the backward needs; `training` applies dropout. Throws
    /// `SetFitError.invalidTrainingData` when an id, token type or length does not fit the model's tables.
    public func forward(_ batch: TokenBatch, training: Bool = false) throws -> ForwardState {
        try validate(batch)
        return forward(PackedTokens([batch]), training: training)
    }

    /// Runs several batches forward as one pass (their sequences in order): both sides of a batch of pairs.
    func forward(_ batches: [TokenBatch], training: Bool) throws -> ForwardState {
        for batch in batches { try validate(batch) }
        return forward(PackedTokens(batches), training: training)
    }

    func validate(_ batch: TokenBatch) throws {
        let s = shape
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
    }

    /// Buffers for a pass over `tokens`: the spare set when no state holds it and it is large enough, else a new set
    /// at least as large, which becomes the spare.
    func activations(for tokens: PackedTokens, attention: Int, dropout: Bool) -> BERTActivations {
        if isKnownUniquelyReferenced(&spareActivations), let spare = spareActivations,
            spare.fits(tokens, attention: attention, dropout: dropout)
        {
            return spare
        }
        let old = spareActivations
        let fresh = BERTActivations(
            rows: max(tokens.tokens, old?.rowCapacity ?? 0), attention: max(attention, old?.attentionCapacity ?? 0),
            sequences: max(tokens.sequences, old?.norms.count ?? 0), shape: shape,
            dropout: dropout || old?.hasDropoutBuffers == true)
        spareActivations = fresh
        return fresh
    }
}
