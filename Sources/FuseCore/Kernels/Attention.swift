import Dispatch

extension Kernels {
    /// Scaled dot-product attention, `softmax(scale · Q Kᵀ + mask) V`, per batch item and head.
    ///
    /// Layouts are the ones projection outputs already have, so model code needs no transposes:
    /// - `query`, `output`: `[batch, queryLength, heads · headDim]`
    /// - `key`, `value`: `[batch, keyLength, keyValueHeads · headDim]`
    ///
    /// Masks:
    /// - `keyPaddingMask` `[batch, keyLength]`: 1 = attend, 0 = padding (never attended).
    /// - `causal`: query `i` attends key `j` only when `j ≤ i + (keyLength − queryLength)`. With a KV cache the
    ///   `queryLength` new tokens sit at the end of the `keyLength` keys, so the offset lines them up.
    /// - `window` (with `causal`): sliding-window attention as Mistral/Mixtral use it — query `i` at key position
    ///   `p = i + (keyLength − queryLength)` attends key `j` only when `p − window < j ≤ p`.
    /// A query that can attend no key at all gets an all-zero output row (not NaN).
    ///
    /// Grouped-query attention: with `keyValueHeads < heads`, query head `h` reads key/value head
    /// `h / (heads / keyValueHeads)` (as Hugging Face's `repeat_kv`). `heads` must be a multiple of `keyValueHeads`
    /// (callers validate model configs before this point).
    ///
    /// Each (batch, head) pair is two BLAS products over strided views plus a masked softmax in a scratch buffer;
    /// the pairs are spread over the cores.
    public static func scaledDotProductAttention(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>,
        batch: Int, heads: Int, queryLength: Int, keyLength: Int, headDim: Int,
        keyPaddingMask: UnsafePointer<Int32>? = nil, causal: Bool = false, scale: Float? = nil,
        keyValueHeads: Int? = nil, window: Int? = nil
    ) {
        let kvHeads = keyValueHeads ?? heads
        precondition(
            heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
            "attention: heads (\(heads)) must be a positive multiple of keyValueHeads (\(kvHeads))")
        guard batch > 0, queryLength > 0, headDim > 0 else { return }
        let pairs = batch * heads
        let problem = AttentionProblem(
            query: query, key: key, value: value, output: output, heads: heads, kvHeads: kvHeads,
            queryLength: queryLength, keyLength: keyLength, headDim: headDim, keyPaddingMask: keyPaddingMask,
            causal: causal, window: window, scale: scale ?? 1 / Float(headDim).squareRoot())
        let workers = min(coreCount, pairs)
        // The per-head products are small: spreading heads over the cores with single-threaded BLAS is several times
        // faster than multi-threaded BLAS per product (and concurrent multi-threaded calls are slower still).
        withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(queryLength * keyLength, 1))
                defer { scores.deallocate() }
                var pair = worker
                while pair < pairs {
                    problem.solve(batchIndex: pair / heads, head: pair % heads, scores: scores)
                    pair += workers
                }
            }
        }
    }
}

/// One attention call's operands and geometry, shared by the workers. `@unchecked Sendable` because it holds raw
/// pointers: the workers only read the inputs and each writes its own heads' output columns, and
/// `concurrentPerform` returns only when all are done.
private struct AttentionProblem: @unchecked Sendable {
    let query: UnsafePointer<Float>
    let key: UnsafePointer<Float>
    let value: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let heads: Int
    let kvHeads: Int
    let queryLength: Int
    let keyLength: Int
    let headDim: Int
    let keyPaddingMask: UnsafePointer<Int32>?
    let causal: Bool
    let window: Int?
    let scale: Float

    /// Attention for one (batch item, head), using `scores` (`queryLength × keyLength`) as scratch.
    func solve(batchIndex: Int, head: Int, scores: UnsafeMutablePointer<Float>) {
        let queryStride = heads * headDim
        let keyStride = kvHeads * headDim
        let kvHead = head / (heads / kvHeads)
        let queryBase = query + batchIndex * queryLength * queryStride + head * headDim
        let keyBase = key + batchIndex * keyLength * keyStride + kvHead * headDim
        let valueBase = value + batchIndex * keyLength * keyStride + kvHead * headDim
        let outputBase = output + batchIndex * queryLength * queryStride + head * headDim
        guard keyLength > 0 else {
            for row in 0..<queryLength { (outputBase + row * queryStride).update(repeating: 0, count: headDim) }
            return
        }

        // scores[i, j] = scale · q_i · k_j
        Kernels.gemm(
            transposeA: false, transposeB: true, m: queryLength, n: keyLength, k: headDim, alpha: scale,
            a: queryBase, lda: queryStride, b: keyBase, ldb: keyStride, c: scores, ldc: keyLength)

        let causalOffset = keyLength - queryLength
        for row in 0..<queryLength {
            let line = scores + row * keyLength
            if let mask = keyPaddingMask.map({ $0 + batchIndex * keyLength }) {
                for column in 0..<keyLength where mask[column] == 0 { line[column] = -.infinity }
            }
            if causal {
                let lastVisible = row + causalOffset
                if lastVisible + 1 < keyLength {
                    let start = max(lastVisible + 1, 0)
                    (line + start).update(repeating: -.infinity, count: keyLength - start)
                }
                if let window {
                    let hidden = min(max(lastVisible - window + 1, 0), keyLength)
                    line.update(repeating: -.infinity, count: hidden)
                }
            }
            Kernels.softmaxRow(line, columns: keyLength)
        }

        // out_i = Σ_j p[i, j] · v_j, written straight into this head's columns of the output.
        Kernels.gemm(
            transposeA: false, transposeB: false, m: queryLength, n: headDim, k: keyLength,
            a: scores, lda: keyLength, b: valueBase, ldb: keyStride, c: outputBase, ldc: queryStride)
    }
}
