import CFuseKernels
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
    /// - `band` (without `causal`): bidirectional local attention as ModernBERT's local layers use it — query `i`
    ///   attends key `j` only when `|i − j| ≤ band`.
    /// A query that can attend no key at all gets an all-zero output row (not NaN).
    ///
    /// Grouped-query attention: with `keyValueHeads < heads`, query head `h` reads key/value head
    /// `h / (heads / keyValueHeads)` (as Hugging Face's `repeat_kv`). `heads` must be a multiple of `keyValueHeads`
    /// (callers validate model configs before this point).
    ///
    /// The kernels are fused: the `queryLength × keyLength` scores never round-trip through memory. Without causal
    /// or band masks (and `headDim` a multiple of 16) a few query rows at a time get all their scores, an exact
    /// softmax and `P · V` (`fuse_attention_rows.c`); otherwise keys are visited a block at a time with an online
    /// softmax (flash-style, `fuse_attention.c`), skipping key blocks that the causal mask or the window hide. See
    /// ``AttentionKernel``. The (batch, head) pairs are spread over the cores.
    ///
    /// `bf16` (models running in bf16): where the rows kernel applies and the CPU has AVX512-BF16
    /// (``attentionBF16Available``), `Q · Kᵀ` and `P · V` multiply bf16-rounded operands with fp32 sums, as PyTorch's
    /// bf16 SDPA does, and the scores, mask and softmax stay fp32; elsewhere the fp32 kernels run.
    public static func scaledDotProductAttention(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>,
        batch: Int, heads: Int, queryLength: Int, keyLength: Int, headDim: Int,
        keyPaddingMask: UnsafePointer<Int32>? = nil, causal: Bool = false, scale: Float? = nil,
        keyValueHeads: Int? = nil, window: Int? = nil, band: Int? = nil, kernel: AttentionKernel = .automatic,
        bf16: Bool = false
    ) {
        let kvHeads = keyValueHeads ?? heads
        precondition(
            heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
            "attention: heads (\(heads)) must be a positive multiple of keyValueHeads (\(kvHeads))")
        guard batch > 0, queryLength > 0, headDim > 0 else { return }
        let pairs = batch * heads
        let problem = FusedAttention(
            problem: fuse_attention_problem(
                query: query, key: key, value: value, output: output, key_mask: keyPaddingMask, heads: Int64(heads),
                kv_heads: Int64(kvHeads), query_length: Int64(queryLength), key_length: Int64(keyLength),
                head_dim: Int64(headDim), causal: causal ? 1 : 0, window: Int64(window.map { max($0, 1) } ?? 0),
                band: Int64(causal ? -1 : band.map { max($0, 0) } ?? -1),
                scale: scale ?? 1 / Float(headDim).squareRoot(), kernel: kernel.code, bf16: bf16 ? 1 : 0))
        let workers = min(coreCount, pairs)
        let scratchFloats = withUnsafePointer(to: problem.problem) { fuse_attention_scratch_floats($0) }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let first = pairs * worker / workers, last = pairs * (worker + 1) / workers
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchFloats)
            defer { scratch.deallocate() }
            withUnsafePointer(to: problem.problem) {
                fuse_attention_run($0, Int64(first), Int64(last - first), scratch)
            }
        }
    }
}

extension Kernels {
    /// The kernel that ``AttentionKernel/automatic`` runs for a problem with these masks and head size:
    /// ``AttentionKernel/rows`` or ``AttentionKernel/flash``.
    public static func attentionKernel(headDim: Int, causal: Bool = false, band: Int? = nil) -> AttentionKernel {
        let problem = fuse_attention_problem(
            query: nil, key: nil, value: nil, output: nil, key_mask: nil, heads: 1, kv_heads: 1, query_length: 1,
            key_length: 1, head_dim: Int64(headDim), causal: causal ? 1 : 0, window: 0,
            band: Int64(causal ? -1 : band.map { max($0, 0) } ?? -1), scale: 1, kernel: AttentionKernel.automatic.code,
            bf16: 0)
        return withUnsafePointer(to: problem) { fuse_attention_kernel($0) } == Int32(FUSE_ATTENTION_ROWS)
            ? .rows : .flash
    }
}

extension Kernels {
    /// Whether `scaledDotProductAttention(…, bf16: true)` runs bf16 operands on this CPU (AVX512-BF16, and the
    /// AVX-512 build not capped by ``withVectorLevelCap(_:_:)``); where it does not, bf16 requests run fp32.
    public static var attentionBF16Available: Bool { fuse_attention_bf16_available() != 0 }
}

/// Which fused attention kernel `Kernels.scaledDotProductAttention` runs.
/// Both give the same outputs to float rounding; the choice is there for tests and benchmarks that compare them.
public enum AttentionKernel: Sendable, CaseIterable {
    /// The faster kernel that applies: ``rows`` where it can, else ``flash``.
    case automatic
    /// Flash-style: keys a block at a time with an online softmax (every problem; skips blocks causal masks hide).
    case flash
    /// A few query rows at a time with all their scores and an exact softmax; only without causal or band masks and
    /// with `headDim` a multiple of 16 (elsewhere ``flash`` runs instead).
    case rows

    var code: Int32 {
        switch self {
        case .automatic: Int32(FUSE_ATTENTION_AUTOMATIC)
        case .flash: Int32(FUSE_ATTENTION_FLASH)
        case .rows: Int32(FUSE_ATTENTION_ROWS)
        }
    }
}

/// One attention call's operands, shared by the workers. `@unchecked Sendable` because it holds raw pointers: the
/// workers only read the inputs and each writes its own pairs' output columns, and `concurrentPerform` returns only
/// when all are done.
private struct FusedAttention: @unchecked Sendable {
    let problem: fuse_attention_problem
}
