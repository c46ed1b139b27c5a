import FuseCore

/// The keys and values of the positions one decoded sequence has seen, per decoder layer, in the layout the
/// single-query attention kernel reads: keys transposed (`[width, capacity]`: a head's scores vectorize across
/// positions), values `[capacity, width]`. Allocated once for `maxTargetPositions`; a step appends its rows in place.
public final class WhisperDecoderCache: @unchecked Sendable {
    // @unchecked: one sequence's cache is written by one decoding loop at a time.
    public let capacity: Int
    let width: Int
    let layers: Int
    /// Owns (and frees) each layer's key and value buffer.
    private let buffers: LayerKeyValueBuffers
    var keys: [UnsafeMutablePointer<Float>] { buffers.keys }
    var values: [UnsafeMutablePointer<Float>] { buffers.values }
    /// Positions filled so far.
    public private(set) var length = 0
    /// The buffers a single-sequence `WhisperModel.decode` call computes in, made at its first call.
    var workspace: WhisperDecoderWorkspace?

    init(layers: Int, width: Int, capacity: Int) {
        self.capacity = capacity
        self.width = width
        self.layers = layers
        buffers = LayerKeyValueBuffers(layers: layers, floatsPerLayer: capacity * width)
    }

    /// Forgets every position (the buffers are reused).
    public func reset() { length = 0 }

    /// Writes `rows` key and value rows (row strides `keyStride`, `valueStride`) of `layer` after the current length;
    /// `advance` commits them.
    func store(
        layer: Int, keys newKeys: UnsafePointer<Float>, keyStride: Int, values newValues: UnsafePointer<Float>,
        valueStride: Int, rows: Int
    ) {
        let transposed = keys[layer], rowMajor = values[layer]
        for r in 0..<rows {
            let key = newKeys + r * keyStride, position = length + r
            for c in 0..<width { transposed[c * capacity + position] = key[c] }
            (rowMajor + position * width).update(from: newValues + r * valueStride, count: width)
        }
    }

    func advance(by rows: Int) { length += rows }

    /// Makes this cache hold what `other` holds (a beam taking over its parent's positions).
    public func copy(from other: WhisperDecoderCache) {
        precondition(other.layers == layers && other.width == width && other.capacity == capacity)
        for layer in 0..<layers {
            for c in 0..<width {
                (keys[layer] + c * capacity).update(from: other.keys[layer] + c * capacity, count: other.length)
            }
            values[layer].update(from: other.values[layer], count: other.length * width)
        }
        length = other.length
    }
}

/// The encoder's keys and values for every decoder layer's cross-attention: computed once per window, shared by
/// every decoding step and every beam. Keys are stored transposed (`[width, rows]`), values `[rows, width]`.
public struct WhisperCrossCache: Sendable {
    let keys: [Tensor], values: [Tensor]  // per layer
    let rows: Int
}

/// The buffers one decoding step computes in, for up to `rows` rows: made once per search (or per cache), grown
/// when a step brings more rows, never allocated per token.
final class WhisperDecoderWorkspace: @unchecked Sendable {
    // @unchecked: used by one decoding loop at a time.
    let width: Int, inner: Int, vocab: Int
    private(set) var rows = 0
    private(set) var logitRows = 0
    private(set) var hidden: UnsafeMutablePointer<Float>
    private(set) var normed: UnsafeMutablePointer<Float>
    private(set) var qkv: UnsafeMutablePointer<Float>
    private(set) var context: UnsafeMutablePointer<Float>
    private(set) var feedForward: UnsafeMutablePointer<Float>
    private(set) var logits: UnsafeMutablePointer<Float>

    init(width: Int, inner: Int, vocab: Int, rows: Int) {
        self.width = width
        self.inner = inner
        self.vocab = vocab
        (hidden, normed, qkv, context, feedForward, logits) = (
            .allocate(capacity: 1), .allocate(capacity: 1),
            .allocate(capacity: 1), .allocate(capacity: 1), .allocate(capacity: 1), .allocate(capacity: 1)
        )
        reserve(rows: rows, logitRows: rows)
    }

    deinit { [hidden, normed, qkv, context, feedForward, logits].forEach { $0.deallocate() } }

    /// Room for `count` rows, of which `logitCount` get logits (reallocated only when more than ever before).
    func reserve(rows count: Int, logitRows logitCount: Int = 1) {
        if count > rows {
            [hidden, normed, qkv, context, feedForward].forEach { $0.deallocate() }
            hidden = .allocate(capacity: count * width)
            normed = .allocate(capacity: count * width)
            qkv = .allocate(capacity: count * 3 * width)
            context = .allocate(capacity: count * width)
            feedForward = .allocate(capacity: count * inner)
            rows = count
        }
        if logitCount > logitRows {
            logits.deallocate()
            logits = .allocate(capacity: logitCount * vocab)
            logitRows = logitCount
        }
    }
}
