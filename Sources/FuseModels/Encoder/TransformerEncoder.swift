import Dispatch
import Foundation
import FuseCore

/// The one transformer encoder every family configures: a stack of `EncoderLayer`s, pre- or post-LayerNorm,
/// with padding and causal masks, over a padded batch `[batch, sequence, hidden]`.
///
/// Each block is a handful of large GEMMs over all `batch · sequence` rows at once (projections, MLP), plus the fused
/// attention kernel, whose (batch item, head) pairs `Kernels.scaledDotProductAttention` spreads over the cores.
/// Scratch memory is allocated once per call, never per token.
public struct TransformerEncoder: Sendable {
    public let config: EncoderConfig
    public let layers: [EncoderLayer]
    /// LayerNorm applied to every token after the last block (CLIP text's `final_layer_norm`, ViT/AST `layernorm`).
    public let finalNorm: LayerNormWeights?

    public init(config: EncoderConfig, layers: [EncoderLayer], finalNorm: LayerNormWeights?) {
        self.config = config
        self.layers = layers
        self.finalNorm = finalNorm
    }

    /// Runs the stack.
    /// - Parameters:
    ///   - hidden: `[batch, sequence, hidden]` embedded tokens.
    ///   - mask: `batch · sequence` entries, 1 for real tokens and 0 for padding (nil: all real).
    ///   - causal: whether token `i` may attend only to tokens `≤ i` (CLIP's text tower).
    /// - Returns: the last hidden states, `[batch, sequence, hidden]`.
    public func callAsFunction(_ hidden: Tensor, mask: [Int32]?, causal: Bool) throws -> Tensor {
        let (batch, sequence) = try checkedInput(hidden, mask: mask)
        var state = hidden
        guard batch * sequence > 0 else { return state }
        let maskValues = mask ?? []
        state.withUnsafeMutableBufferPointer { x in
            maskValues.withUnsafeBufferPointer { m in
                let operands = Operands(x: x.baseAddress!, mask: mask == nil ? nil : m.baseAddress)
                // Items never attend to each other, so the batch splits into independent groups, one per core, each
                // running single-threaded BLAS: no thread hand-offs inside every GEMM. A single item uses BLAS's
                // own threads instead.
                let groups = min(Kernels.coreCount, batch)
                if groups <= 1 {
                    runStack(operands, items: 0..<batch, sequence: sequence, causal: causal)
                } else {
                    let blasThreads = Kernels.blasThreads
                    Kernels.setBLASThreads(1)
                    // One contiguous group of items per core (grain 1: `groups` chunks), each with oneDNN on one thread.
                    Kernels.parallelChunks(count: batch, grain: 1) { items in
                        Kernels.setReducedPrecisionThreadsForCallingThread(1)
                        defer { Kernels.setReducedPrecisionThreadsForCallingThread(Kernels.coreCount) }
                        runStack(operands, items: items, sequence: sequence, causal: causal)
                    }
                    Kernels.setBLASThreads(blasThreads)
                }
            }
        }
        return state
    }

    /// The batch's buffers, shared by the groups; each group touches only its own items' rows.
    private struct Operands: @unchecked Sendable {
        let x: UnsafeMutablePointer<Float>
        let mask: UnsafePointer<Int32>?
    }

    /// Runs the stack over `hidden` (`[batch, sequence, hidden]`, every token real) on the calling thread, showing
    /// `observe` each block's GEMM inputs as they are computed: the block's index, which input, the `rows × width`
    /// values. For load-time probes (`OutlierProbe`), not for serving.
    func observing(
        _ hidden: Tensor, causal: Bool,
        observe: @escaping (Int, BlockInput, UnsafePointer<Float>, _ rows: Int, _ width: Int) -> Void
    ) throws {
        let (batch, sequence) = try checkedInput(hidden, mask: nil)
        var state = hidden
        guard batch * sequence > 0 else { return }
        state.withUnsafeMutableBufferPointer { x in
            let operands = Operands(x: x.baseAddress!, mask: nil)
            runStack(operands, items: 0..<batch, sequence: sequence, causal: causal, observe: observe)
        }
    }

    /// Runs every layer (and the final norm) over `items` of the batch, with scratch memory of its own.
    private func runStack(
        _ operands: Operands, items: Range<Int>, sequence: Int, causal: Bool,
        observe: ((Int, BlockInput, UnsafePointer<Float>, Int, Int) -> Void)? = nil
    ) {
        let width = config.hiddenSize
        let rows = items.count * sequence
        let x = operands.x + items.lowerBound * sequence * width
        let mask = operands.mask.map { $0 + items.lowerBound * sequence }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rows * (5 * width + config.intermediateSize))
        defer { scratch.deallocate() }
        let buffers = Scratch(base: scratch, rows: rows, width: width)
        let geometry = Geometry(batch: items.count, sequence: sequence, causal: causal)
        for (index, layer) in layers.enumerated() {
            run(
                layer, x: x, geometry, mask: mask, buffers,
                observe: observe.map { see in { see(index, $0, $1, $2, $3) } })
        }
        finalNorm?.apply(x, rows: rows)
    }

    /// Rows per slice of a reduced-precision MLP: 128 × 3072 floats of activation (1.5 MB at BERT-base width,
    /// 0.8 MB at MiniLM's) instead of the group's; the C matmul path cuts its calls into chunks of this size too.
    static let mlpSliceRows = 128

    private struct Geometry {
        let batch: Int
        let sequence: Int
        let causal: Bool
    }

    /// Views into one scratch allocation: normalised input, q, k, v, attention context, MLP activations.
    private struct Scratch {
        let normed, query, key, value, context, mlp: UnsafeMutablePointer<Float>

        init(base: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
            let block = rows * width
            normed = base
            query = base + block
            key = base + 2 * block
            value = base + 3 * block
            context = base + 4 * block
            mlp = base + 5 * block
        }
    }

    private func run(
        _ layer: EncoderLayer, x: UnsafeMutablePointer<Float>, _ g: Geometry,
        mask: UnsafePointer<Int32>?, _ s: Scratch,
        observe: ((BlockInput, UnsafePointer<Float>, Int, Int) -> Void)? = nil
    ) {
        let rows = g.batch * g.sequence
        let width = config.hiddenSize
        let count = rows * width
        let pre = config.normPlacement == .pre
        // Reduced-precision layers sum the residual and normalise in one vectorised C pass; fp32 keeps the exact
        // add + LayerNorm order its parity tests pin.
        let fused = layer.fc1.precision != .fp32

        // Attention sub-layer: pre-LN reads norm1(x), post-LN reads x and normalises after the residual sum.
        var attentionInput = UnsafePointer(x)
        if pre {
            if fused {
                layer.norm1.applyAddingResidual(nil, to: x, into: s.normed, rows: rows)
            } else {
                s.normed.update(from: x, count: count)
                layer.norm1.apply(s.normed, rows: rows)
            }
            attentionInput = UnsafePointer(s.normed)
        }
        observe?(.attention, attentionInput, rows, width)
        layer.projectQKV(attentionInput, rows: rows, query: s.query, key: s.key, value: s.value)
        Kernels.scaledDotProductAttention(
            query: s.query, key: s.key, value: s.value, output: s.context, batch: g.batch, heads: config.heads,
            queryLength: g.sequence, keyLength: g.sequence, headDim: config.headDim, keyPaddingMask: mask,
            causal: g.causal, bf16: layer.projectsInBF16)
        observe?(.attentionOutput, s.context, rows, width)
        layer.output.apply(s.context, rows: rows, output: s.query)

        // MLP sub-layer.
        var mlpInput = UnsafePointer(x)
        if fused {
            // post-LN: x = norm1(x + attention); pre-LN: x += attention, normed = norm2(x).
            let (norm, normed) = pre ? (layer.norm2, s.normed) : (layer.norm1, x)
            norm.applyAddingResidual(s.query, to: x, into: normed, rows: rows)
            mlpInput = UnsafePointer(normed)
        } else {
            Kernels.add(x, s.query, count: count)
            if !pre { layer.norm1.apply(x, rows: rows) }
            if pre {
                s.normed.update(from: x, count: count)
                layer.norm2.apply(s.normed, rows: rows)
                mlpInput = UnsafePointer(s.normed)
            }
        }
        if fused {
            // A slice of rows at a time through fc1 and fc2, so the wide activation between them stays in the cache
            // (a whole group's is megabytes; the epilogue writing it was bound by memory). Rows are independent, and
            // slices of `mlpSliceRows` are the chunks the reduced-precision GEMMs cut anyway. (The outlier probe
            // observes only fp32 passes, below.)
            for first in stride(from: 0, to: rows, by: Self.mlpSliceRows) {
                let slice = min(Self.mlpSliceRows, rows - first)
                layer.fc1.apply(mlpInput + first * width, rows: slice, output: s.mlp, activation: config.activation)
                layer.fc2.apply(s.mlp, rows: slice, output: s.query + first * width)
            }
        } else {
            observe?(.mlp, mlpInput, rows, width)
            layer.fc1.apply(mlpInput, rows: rows, output: s.mlp, activation: config.activation)
            observe?(.mlpOutput, s.mlp, rows, config.intermediateSize)
            layer.fc2.apply(s.mlp, rows: rows, output: s.query)
        }
        if fused && !pre {
            layer.norm2.applyAddingResidual(s.query, to: x, into: x, rows: rows)
        } else {
            Kernels.add(x, s.query, count: count)
            if !pre { layer.norm2.apply(x, rows: rows) }
        }
    }
}
