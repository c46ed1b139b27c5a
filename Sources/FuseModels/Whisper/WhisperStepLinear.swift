import CFuseKernels
import FuseCore

/// A decoder linear layer shaped for decoding steps, which feed one row per sequence (or per beam): reading the
/// weights dominates, so `fuse_rows_gemm_*` loads each weight row once for all input rows and the output columns are
/// spread over the cores. Many rows at once (a prompt, teacher forcing) take `Linear`'s BLAS GEMM in fp32.
///
/// Reduced precisions keep fp32 inputs and fp32 sums and store only the weights smaller (weight-only): bf16
/// (rounded to nearest even) or int8 with one symmetric scale per output row. A decoding step has too few rows for
/// oneDNN's dynamic quantization of the inputs to pay, and the int8 vocabulary projection and decoder layers of
/// Whisper tiny then fit the L3 cache together.
struct WhisperStepLinear: Sendable {
    enum Weights: Sendable {
        case fp32
        case bf16([UInt16])
        case int8([Int8], scales: [Float])
    }

    /// The fp32 layer: its weights in `.fp32`, its bias in every precision.
    let linear: Linear
    let weights: Weights

    /// Rows up to which fp32 uses the step kernel; more go through BLAS.
    static let stepRows = 8

    var inFeatures: Int { linear.inFeatures }
    var outFeatures: Int { linear.outFeatures }

    var precision: Precision {
        switch weights {
        case .fp32: .fp32
        case .bf16: .bf16
        case .int8: .int8
        }
    }

    init(_ linear: Linear) {
        self.linear = linear
        weights = .fp32
    }

    /// The layer with its weights stored in `precision` (`.auto` must be resolved by the caller). `releaseFP32`
    /// lets the fp32 weights' pages go (not for a tied table whose rows are still looked up).
    init(_ linear: Linear, precision: Precision, releaseFP32: Bool = true) {
        self.linear = linear
        let (n, k) = (linear.outFeatures, linear.inFeatures)
        switch precision {
        case .bf16:
            var bits = [UInt16](repeating: 0, count: n * k)
            linear.weight.withUnsafeBufferPointer { w in
                bits.withUnsafeMutableBufferPointer { fuse_bf16_from_f32(w.baseAddress, Int64(n * k), $0.baseAddress) }
            }
            weights = .bf16(bits)
        case .int8:
            let rows = linear.weight.withUnsafeBufferPointer { QuantizedRows(rows: n, width: k, quantizing: $0) }
            weights = .int8(rows.values, scales: rows.scales)
        case .fp32, .auto:
            weights = .fp32
        }
        if releaseFP32, self.precision != .fp32 {
            linear.weight.storage.releaseResidentPages(offset: linear.weight.offset, count: linear.weight.count)
        }
    }

    /// `rows × in` floats at `input` → `rows × out` floats at `output` (`x · Wᵀ + b`).
    func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0 else { return }
        if case .fp32 = weights, rows > Self.stepRows || inFeatures == 0 {
            linear.apply(input, rows: rows, output: output)
            return
        }
        let (n, k) = (Int64(outFeatures), Int64(inFeatures))
        let operands = UncheckedOperands(input: input, output: output)
        func run(_ columns: Range<Int>, _ bias: UnsafePointer<Float>?) {
            let first = Int64(columns.lowerBound), count = Int64(columns.count)
            let (x, y) = (operands.input, operands.output)
            switch weights {
            case .fp32:
                linear.weight.withUnsafeBufferPointer {
                    fuse_rows_gemm_f32(x, Int64(rows), k, $0.baseAddress, first, count, bias, y, n)
                }
            case .bf16(let bits):
                bits.withUnsafeBufferPointer {
                    fuse_rows_gemm_bf16(x, Int64(rows), k, $0.baseAddress, first, count, bias, y, n)
                }
            case .int8(let values, let scales):
                values.withUnsafeBufferPointer { w in
                    scales.withUnsafeBufferPointer { s in
                        fuse_rows_gemm_s8(x, Int64(rows), k, w.baseAddress, s.baseAddress, first, count, bias, y, n)
                    }
                }
            }
        }
        // Splitting costs a thread hand-off (microseconds): only layers of ~64k multiply-adds or more split.
        func spread(_ bias: UnsafePointer<Float>?) {
            Kernels.parallelChunks(count: outFeatures, work: rows * outFeatures * inFeatures, minimumWork: 1 << 16) {
                run($0, bias)
            }
        }
        if let bias = linear.bias { bias.withUnsafeBufferPointer { spread($0.baseAddress) } } else { spread(nil) }
    }
}

/// A step's input and output buffers, handed to the column workers (each writes only its own columns).
private struct UncheckedOperands: @unchecked Sendable {
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
}
