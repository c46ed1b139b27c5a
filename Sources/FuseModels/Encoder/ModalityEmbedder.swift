import FuseCore

/// Embedded, padded tokens ready for the encoder.
public struct EmbeddedBatch: Sendable {
    /// `[batch, sequence, hidden]`.
    public var hidden: Tensor
    /// `batch · sequence` entries: 1 for real tokens, 0 for padding.
    public var mask: [Int32]
    /// The input ids per item, padded like `hidden` (for pooling at an end-of-text token); nil for patch inputs.
    public var ids: [[Int32]]?
    /// Learned tokens placed before the inputs' own (class and distillation tokens).
    public var prefixCount: Int

    public var batch: Int { hidden.shape[0] }
    public var sequence: Int { hidden.shape[1] }
}

/// Turns a modality's tokens into the encoder's input space: a model's per-modality "tokenizer" in
/// Meta-Transformer's terms (embedding table or patch projection, learned positions, prefix tokens).
public protocol ModalityEmbedder: Sendable {
    /// The width of the vectors produced.
    var hiddenSize: Int { get }
    /// A learned vector tagging this modality's tokens when several modalities share one sequence (early fusion);
    /// nil when the checkpoint has none.
    var modalityTypeEmbedding: Tensor? { get }
    /// Embeds a batch, padding shorter items.
    func embed(_ batch: [Tokens]) throws -> EmbeddedBatch
    /// The embedder as a model converted by `converter` runs it (token tables as int8 rows under int8); the default
    /// is the embedder unchanged (patch, feature and waveform embedders stay fp32).
    func reducedPrecision(_ converter: PrecisionConverter) throws -> any ModalityEmbedder
}

extension ModalityEmbedder {
    public var modalityTypeEmbedding: Tensor? { nil }
    public func reducedPrecision(_ converter: PrecisionConverter) throws -> any ModalityEmbedder { self }
}

/// Adds `rows` rows of a `[*, width]` table starting at row `start` to `destination`.
@inline(__always)
func addRows(
    _ table: UnsafePointer<Float>, start: Int, rows: Int, width: Int, into destination: UnsafeMutablePointer<Float>
) {
    Kernels.add(destination, table + start * width, count: rows * width)
}
