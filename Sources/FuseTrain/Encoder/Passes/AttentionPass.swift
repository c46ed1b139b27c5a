import CFuseKernels
import FuseCore

/// Multi-head scaled dot-product self-attention over packed sequences (every key real, so no padding mask):
/// `P = softmax(Q·Kᵀ/√d)`, `ctx = P·V` per sequence and head. Q, K, V are the column blocks of one `[rows, 3C]`
/// buffer, ctx is `[rows, C]`, head h in columns `h·d ..< (h+1)·d`; P is kept (`[Σ H·len²]`) for the backward. The
/// (sequence, head) pairs are spread over the cores (`fuse_train_attention_*`).
enum AttentionPass {
    struct Layout {
        let tokens: PackedTokens
        let probabilityOffsets: [Int]
        let heads: Int, headSize: Int
        var hidden: Int { heads * headSize }
    }

    /// With `dropout` (mask, output), the probabilities times the mask are written to the output buffer and
    /// multiply V (`nn.Dropout` on the attention probabilities); P itself is kept for the softmax backward.
    static func forward(
        qkv: UnsafePointer<Float>, layout: Layout, probabilities: UnsafeMutablePointer<Float>,
        context: UnsafeMutablePointer<Float>,
        dropout: (mask: UnsafePointer<Float>, dropped: UnsafeMutablePointer<Float>)? = nil
    ) {
        run(layout, qkv: qkv, context: context, probabilities: probabilities, dropout: dropout) {
            problem, pairs, scratch in
            fuse_train_attention_forward(problem, Int64(pairs.lowerBound), Int64(pairs.count), scratch)
        }
    }

    /// Writes dQ, dK, dV (the column blocks of `dqkv`, `[rows, 3C]`) from dctx. With `dropout`, V was multiplied by
    /// the dropped probabilities and dP passes back through the mask.
    static func backward(
        dContext: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
        layout: Layout, dqkv: UnsafeMutablePointer<Float>,
        dropout: (mask: UnsafePointer<Float>, dropped: UnsafePointer<Float>)? = nil
    ) {
        let c = layout.hidden
        run(
            layout, qkv: qkv, context: UnsafeMutablePointer(mutating: dContext),
            probabilities: UnsafeMutablePointer(mutating: probabilities),
            dropout: dropout.map { ($0.mask, UnsafeMutablePointer(mutating: $0.dropped)) }
        ) { problem, pairs, scratch in
            fuse_train_attention_backward(
                problem, dContext, dqkv, dqkv + c, dqkv + 2 * c, Int64(pairs.lowerBound), Int64(pairs.count), scratch)
        }
    }

    /// Builds the kernel's problem and runs `body` over chunks of pairs, each with its own scratch.
    private static func run(
        _ layout: Layout, qkv: UnsafePointer<Float>, context: UnsafeMutablePointer<Float>,
        probabilities: UnsafeMutablePointer<Float>,
        dropout: (mask: UnsafePointer<Float>, dropped: UnsafeMutablePointer<Float>)?,
        _ body: (UnsafePointer<fuse_train_attention>, Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) {
        let tokens = layout.tokens, c = layout.hidden, d = layout.headSize
        let pairs = tokens.sequences * layout.heads
        guard pairs > 0 else { return }
        let offsets = tokens.offsets.map(Int64.init), probabilityOffsets = layout.probabilityOffsets.map(Int64.init)
        let scratchCount = Int(fuse_train_attention_scratch_floats(Int64(tokens.longest), Int64(d)))
        // Work per pair ~ len²·d multiply-adds, three times over in the backward.
        let work = layout.probabilityOffsets[tokens.sequences] * d
        offsets.withUnsafeBufferPointer { offsets in
            probabilityOffsets.withUnsafeBufferPointer { probabilityOffsets in
                var problem = fuse_train_attention(
                    q: qkv, k: qkv + c, v: qkv + 2 * c, ld_qkv: Int64(3 * c), context: context,
                    ld_context: Int64(c), offsets: offsets.baseAddress,
                    probability_offsets: probabilityOffsets.baseAddress,
                    heads: Int64(layout.heads), head_dim: Int64(d), scale: 1 / Float(d).squareRoot(),
                    probabilities: probabilities, dropout_mask: dropout?.mask, dropped: dropout?.dropped)
                withUnsafePointer(to: &problem) { problem in
                    Kernels.parallelChunks(count: pairs, work: work, minimumWork: 1 << 15) { chunk in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { scratch in
                            body(problem, chunk, scratch.baseAddress!)
                        }
                    }
                }
            }
        }
    }
}
