import FuseCore

/// A padded batch `[batch, sequence, hidden]` laid out as its items' rows back to back, each item cut after its
/// last real token ("unpadding"): the projections and MLPs then run on real tokens only, and attention runs per
/// item over its own length. Interior padding (a 0 inside an item's mask) stays, masked as a key.
///
/// With `unpadded: false` every item keeps the full padded length, which gives the padded computation through
/// the same code (the benchmark compares the two).
struct PackedBatch {
    /// One item's rows in the packed layout.
    struct Segment {
        let item: Int
        /// The first packed row.
        let start: Int
        let length: Int
        /// The item's mask over its `length` rows when some of them are padding; nil when all are real.
        let mask: [Int32]?
    }

    let batch: Int
    let sequence: Int
    let segments: [Segment]
    /// Packed rows in all.
    let rows: Int

    init(batch: Int, sequence: Int, mask: [Int32]?, unpadded: Bool) {
        self.batch = batch
        self.sequence = sequence
        var segments: [Segment] = []
        var start = 0
        for item in 0..<batch {
            let itemMask = mask.map { Array($0[(item * sequence)..<((item + 1) * sequence)]) }
            let length = unpadded ? (itemMask.map { ($0.lastIndex { $0 != 0 } ?? -1) + 1 } ?? sequence) : sequence
            let kept = itemMask.map { Array($0[0..<length]) }
            segments.append(
                Segment(
                    item: item, start: start, length: length,
                    mask: kept.flatMap { $0.contains(0) ? $0 : nil }))
            start += length
        }
        self.segments = segments
        rows = start
    }

    /// The real rows of `hidden` `[batch, sequence, width]`, packed: `[rows, width]`.
    func pack(_ hidden: Tensor) -> Tensor {
        let width = hidden.shape[2]
        return Tensor(shape: [rows, width]) { out in
            hidden.withUnsafeBufferPointer { source in
                for segment in segments {
                    (out.baseAddress! + segment.start * width).update(
                        from: source.baseAddress! + segment.item * sequence * width, count: segment.length * width)
                }
            }
        }
    }

    /// `packed` `[rows, width]` back to `[batch, sequence, width]`, the cut-off padding rows zero.
    func unpack(_ packed: Tensor) -> Tensor {
        let width = packed.shape[1]
        return Tensor(shape: [batch, sequence, width]) { out in
            out.update(repeating: 0)
            packed.withUnsafeBufferPointer { source in
                for segment in segments {
                    (out.baseAddress! + segment.item * sequence * width).update(
                        from: source.baseAddress! + segment.start * width, count: segment.length * width)
                }
            }
        }
    }
}

extension PackedBatch {
    /// Self-attention per item over its own rows, one `Kernels.scaledDotProductAttention` call each (batch 1, the
    /// item's interior mask): `segments` are packed rows from `firstRow` of `[rows, heads · headDim]` query, key,
    /// value and output buffers that start at that row. Items of length 0 are skipped.
    static func attendPerItem(
        _ segments: ArraySlice<Segment>, firstRow: Int, query: UnsafePointer<Float>, key: UnsafePointer<Float>,
        value: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, heads: Int, headDim: Int,
        causal: Bool = false, band: Int? = nil, bf16: Bool = false
    ) {
        let width = heads * headDim
        for segment in segments where segment.length > 0 {
            let offset = (segment.start - firstRow) * width
            segment.mask.withOptionalBuffer { mask in
                Kernels.scaledDotProductAttention(
                    query: query + offset, key: key + offset, value: value + offset, output: output + offset,
                    batch: 1, heads: heads, queryLength: segment.length, keyLength: segment.length, headDim: headDim,
                    keyPaddingMask: mask, causal: causal, band: band, bf16: bf16)
            }
        }
    }
}

extension Optional where Wrapped == [Int32] {
    /// Calls `body` with the array's storage, or with nil.
    func withOptionalBuffer<R>(_ body: (UnsafePointer<Int32>?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
