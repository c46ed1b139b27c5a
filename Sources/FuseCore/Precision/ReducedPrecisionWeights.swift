import CFuseDNNL
import CFuseKernels
import Foundation

/// A linear layer's weights prepared once for a reduced precision (see `Precision`), and the call that computes
/// `y = x · Wᵀ (+ b)` with them. Immutable after creation; safe to call from any number of threads.
public final class ReducedPrecisionWeights: @unchecked Sendable {
    /// `.int8` or `.bf16`.
    public let precision: Precision
    public let inFeatures: Int
    public let outFeatures: Int
    private let matmul: OpaquePointer
    /// int8: each output channel's weight scale, and the sum of its quantized weights (for the inputs' zero points).
    private let weightScales: [Float]
    private let weightSums: [Int32]
    /// int8: the largest quantized input value.
    private let inputLevels: Float
    /// int8: the input channels computed beside the GEMM in fp32 (`outlierChannels`), their fp32 weights
    /// `[count, out]` (one row per channel), and a `[in]` multiplier of the input channels before quantization: 0
    /// for these, 1 / smoothing for the others (1 without smoothing); empty when every channel's is 1.
    public let outlierChannels: [Int]
    private let outlierIndices: [Int32]
    private let outlierWeights: [Float]
    private let channelMask: [Float]
    /// int8: whether the layer scales its input channels (`smoothing`).
    public let isSmoothed: Bool

    /// Prepares `weight` `[out, in]` for `precision` (`.int8` or `.bf16`); throws when oneDNN cannot run it on this
    /// CPU (callers fall back to fp32 and say so).
    ///
    /// `outlierChannels` (int8 only; bf16 ignores them): input channels whose activations dwarf the others' (a
    /// transformer's "massive activation" dimensions). They are left out of the int8 GEMM — and of each row's
    /// quantization range, so the other channels keep fine steps — and computed beside it in fp32 with their exact
    /// inputs and fp32 weights, added in the epilogue (LLM.int8()'s mixed-precision decomposition, with the channels
    /// fixed at load instead of found per call).
    ///
    /// `smoothing` (int8 only; `in` positive finite factors, or nil): SmoothQuant's per-input-channel scales. Each
    /// input channel c is divided by `smoothing[c]` before its row is quantized and the weight column multiplied by it
    /// before the weights are, so the product is unchanged while a channel with large activations and small weights
    /// hands part of its range to the weights (which are quantized per output channel, where it costs less).
    public init(
        weight: Tensor, precision: Precision, outlierChannels: [Int] = [], smoothing: [Float]? = nil
    ) throws {
        guard weight.rank == 2, precision == .int8 || precision == .bf16 else {
            throw FuseError.invalidArgument(
                what: "reduced-precision weights",
                reason: "need an [out, in] matrix and int8 or bf16, got \(weight.shape), \(precision)")
        }
        let (n, k) = (weight.shape[0], weight.shape[1])
        let outliers = precision == .int8 ? outlierChannels : []
        guard outliers.allSatisfy({ (0..<k).contains($0) }), Set(outliers).count == outliers.count else {
            throw FuseError.invalidArgument(
                what: "outlier channels \(outliers)",
                reason: "need distinct input channels of an [\(n), \(k)] weight")
        }
        let smoothing = precision == .int8 ? smoothing : nil
        if let smoothing {
            guard smoothing.count == k, smoothing.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw FuseError.invalidArgument(
                    what: "smoothing factors",
                    reason: "need \(k) positive finite factors for an [\(n), \(k)] weight, got \(smoothing.count)")
            }
        }
        // The input's multiplier before quantization, and the weights' column factor (0 for outlier channels).
        var mask = smoothing.map { $0.map { 1 / $0 } } ?? [Float](repeating: 1, count: outliers.isEmpty ? 0 : k)
        var columnFactor = smoothing ?? mask
        var outlierWeights = [Float](repeating: 0, count: outliers.count * n)
        weight.withUnsafeBufferPointer { w in
            for (o, channel) in outliers.enumerated() {
                mask[channel] = 0
                columnFactor[channel] = 0
                for row in 0..<n { outlierWeights[o * n + row] = w[row * k + channel] }
            }
        }
        self.precision = precision
        outFeatures = n
        inFeatures = k
        var error = [CChar](repeating: 0, count: 256)
        var scales = [Float](repeating: 1, count: n)
        var sums = [Int32](repeating: 0, count: n)
        let created: OpaquePointer?
        // Without VNNI, oneDNN's int8 kernels add pairs of u8 × s8 products in 16 bits (vpmaddubsw), which saturates
        // past 2 · 255 · 63; weights then get 7 bits (±63) so inputs keep their 8.
        let weightLevels: Float = ComputeCapabilities.current.hasVNNI ? 127 : 63
        if precision == .int8 {
            // Outlier channels' columns are zero in the GEMM (their products come from the fp32 weights); smoothed
            // columns are multiplied by their factor. A row without weights gets scale 0 (its outputs are its bias).
            var quantized = [Int8](repeating: 0, count: n * k)
            weight.withUnsafeBufferPointer { w in
                columnFactor.withUnsafeBufferPointer { factors in
                    fuse_int8_quantize_symmetric_rows(
                        w.baseAddress, Int64(n), Int64(k), factors.isEmpty ? nil : factors.baseAddress, weightLevels,
                        &quantized, &scales, &sums)
                }
            }
            created = quantized.withUnsafeBytes {
                fuse_dnnl_matmul_create(FUSE_DNNL_U8S8S32, Int64(n), Int64(k), $0.baseAddress, &error, error.count)
            }
        } else {
            var bits = [UInt16](repeating: 0, count: n * k)
            weight.withUnsafeBufferPointer { w in
                bits.withUnsafeMutableBufferPointer { fuse_bf16_from_f32(w.baseAddress, Int64(n * k), $0.baseAddress) }
            }
            created = bits.withUnsafeBytes {
                fuse_dnnl_matmul_create(FUSE_DNNL_BF16F32, Int64(n), Int64(k), $0.baseAddress, &error, error.count)
            }
        }
        guard let created else {
            throw PrecisionUnavailable(
                precision: precision, cpu: ComputeCapabilities.current.isa,
                reason: Self.message(error))
        }
        matmul = created
        weightScales = scales
        weightSums = sums
        inputLevels = 255
        self.outlierChannels = outliers
        outlierIndices = outliers.map { Int32($0) }
        self.outlierWeights = outlierWeights
        channelMask = mask
        isSmoothed = smoothing != nil
    }

    deinit { fuse_dnnl_matmul_destroy(matmul) }

    /// The C layer's NUL-terminated message.
    private static func message(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The oneDNN kernel the last call ran (e.g. `brg:avx512_core_vnni`), empty before the first call.
    public var implementation: String { String(cString: fuse_dnnl_matmul_implementation(matmul)) }

    /// `rows × in` floats from `input` → `rows × out` floats in `output`, plus `bias` when given.
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>,
        bias: UnsafePointer<Float>?
    ) {
        apply(input, rows: rows, outputs: [output], bias: bias)
    }

    /// Whether `apply` can fuse `activation` into its epilogue (exact GELU; others run after the layer).
    public static func fuses(_ activation: Activation) -> Bool { activation == .gelu }

    /// Like `apply(_:rows:output:bias:)`, but the `out` columns go to `outputs.count` buffers of equal width, each
    /// `rows × (out / outputs.count)` row-major: a fused query/key/value projection straight into three buffers.
    /// Quantization (int8: per row, dynamic), the matmul and the epilogue (scales, bias) run in C with the calling
    /// thread's scratch memory, so a warm call allocates nothing.
    /// `activation`, when given, must be one `fuses(_:)` accepts; it follows the bias in the same pass.
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, outputs: [UnsafeMutablePointer<Float>],
        bias: UnsafePointer<Float>?, activation: Activation? = nil
    ) {
        guard rows > 0 else { return }
        precondition(activation.map(Self.fuses) ?? true, "\(activation!) is not fused into the epilogue")
        let activationCode = activation == .gelu ? Int32(FUSE_ACTIVATION_GELU_ERF) : Int32(FUSE_ACTIVATION_NONE)
        precondition(
            !outputs.isEmpty && outFeatures % outputs.count == 0,
            "\(outputs.count) output parts do not divide \(outFeatures) columns")
        // oneDNN's OpenMP team and Fuse's own threads (attention, LayerNorm) take turns on the same cores, and a
        // team's idle members spin between regions: a third of a single image's ViT time went to that spinning. So
        // a call allowed several threads with enough rows splits them itself, one contiguous share per core, each
        // run by oneDNN on one thread (rows are independent; the same kernels and chunks per row, so the same bits).
        let threads = Int(fuse_dnnl_calling_thread_count())
        let shares = threads > 1 ? min(threads, rows / Self.rowsPerThread) : 1
        guard shares > 1 else {
            run(input, rows: rows, outputs: outputs, bias: bias, activation: activationCode)
            return
        }
        let width = outFeatures / outputs.count
        Kernels.parallelChunks(count: shares, grain: 1) { range in
            let previous = Int(fuse_dnnl_calling_thread_count())
            Kernels.setReducedPrecisionThreadsForCallingThread(1)
            defer { Kernels.setReducedPrecisionThreadsForCallingThread(previous) }
            for share in range {
                let (first, last) = (share * rows / shares, (share + 1) * rows / shares)
                run(
                    input + first * inFeatures, rows: last - first, outputs: outputs.map { $0 + first * width },
                    bias: bias, activation: activationCode)
            }
        }
    }

    /// The fewest rows per per-core share (a call with fewer than twice as many — a decoding step's one row — is left
    /// to oneDNN's own threads, which split its columns).
    static let rowsPerThread = 16

    /// One C call over `rows` rows.
    private func run(
        _ input: UnsafePointer<Float>, rows: Int, outputs: [UnsafeMutablePointer<Float>],
        bias: UnsafePointer<Float>?, activation: Int32
    ) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { error in
            error.initialize(repeating: 0)
            let status = withInt8Constants { constants in
                outputs.map { Optional($0) }.withUnsafeBufferPointer { parts in
                    fuse_dnnl_linear_run(
                        matmul, Int64(rows), input, precision == .int8 ? constants : nil, bias,
                        activation, Int32(parts.count), parts.baseAddress, error.baseAddress, error.count)
                }
            }
            precondition(
                status == 0, "\(precision) matmul failed after it was prepared: \(Self.message(Array(error)))")
        }
    }

    /// The int8 constants as the C layer reads them, valid inside `body`.
    private func withInt8Constants<Result>(_ body: (UnsafePointer<fuse_dnnl_int8_scales>) -> Result) -> Result {
        weightScales.withUnsafeBufferPointer { scales in
            weightSums.withUnsafeBufferPointer { sums in
                channelMask.withUnsafeBufferPointer { mask in
                    outlierIndices.withUnsafeBufferPointer { channels in
                        outlierWeights.withUnsafeBufferPointer { weights in
                            var constants = fuse_dnnl_int8_scales(
                                weight_scales: scales.baseAddress, weight_sums: sums.baseAddress,
                                input_levels: inputLevels, channel_mask: mask.isEmpty ? nil : mask.baseAddress,
                                outlier_count: Int32(channels.count), outlier_channels: channels.baseAddress,
                                outlier_weights: weights.baseAddress)
                            return withUnsafePointer(to: &constants) { body($0) }
                        }
                    }
                }
            }
        }
    }
}
