/// One sequence of model input tokens produced by a plugin's `tokenize`.
///
/// Discrete tokens (`.ids`) index a model's embedding table; continuous tokens (`.features`, shape `[T, P]`)
/// are projected by a model's modality embedder (for images and audio, `P = C·p·p`, laid out in the order a
/// `Conv2d(kernel = stride = p)` weight expects, so the projection is one GEMM).
public struct Tokens: Sendable {
    public enum Content: Sendable {
        case ids([Int32])
        case features(Tensor)
    }

    public var modality: Modality
    public var content: Content
    /// One entry per token: 1 for a real token, 0 for padding.
    public var attentionMask: [Int32]
    /// Position index of each token (0-based).
    public var positions: [Int32]
    /// Segment ids (BERT's token types), when the tokenizer defines them.
    public var tokenTypeIDs: [Int32]?
    /// For patch tokens: the patch grid, e.g. `[rows, columns]` (or `[frames, rows, columns]`).
    public var grid: [Int]?

    /// Creates a token sequence; mask and positions default to "all real" and `0..<T`.
    public init(
        modality: Modality, content: Content, attentionMask: [Int32]? = nil, positions: [Int32]? = nil,
        tokenTypeIDs: [Int32]? = nil, grid: [Int]? = nil
    ) throws {
        let count: Int
        switch content {
        case .ids(let ids): count = ids.count
        case .features(let tensor):
            guard tensor.rank == 2 else {
                throw FuseError.invalidArgument(
                    what: "feature tokens",
                    reason: "expected a [T, P] tensor, got shape \(tensor.shape)")
            }
            count = tensor.shape[0]
        }
        let mask = attentionMask ?? Array(repeating: 1, count: count)
        let pos = positions ?? (0..<count).map { Int32($0) }
        guard mask.count == count else {
            throw FuseError.shapeMismatch(what: "attention mask", expected: [count], actual: [mask.count])
        }
        guard pos.count == count else {
            throw FuseError.shapeMismatch(what: "positions", expected: [count], actual: [pos.count])
        }
        if let types = tokenTypeIDs, types.count != count {
            throw FuseError.shapeMismatch(what: "token type ids", expected: [count], actual: [types.count])
        }
        self.modality = modality
        self.content = content
        self.attentionMask = mask
        self.positions = pos
        self.tokenTypeIDs = tokenTypeIDs
        self.grid = grid
    }

    /// Number of tokens, padding included.
    public var count: Int { attentionMask.count }
}
