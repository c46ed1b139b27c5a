import CFuseDNNL
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

    /// Prepares `weight` `[out, in]` for `precision` (`.int8` or `.bf16`); throws when oneDNN cannot run it on this
    /// CPU (callers fall back to fp32 and say so).
    public init(weight: Tensor, precision: Precision) throws {
        guard weight.rank == 2, precision == .int8 || precision == .bf16 else {
            throw FuseError.invalidArgument(what: "reduced-precision weights",
                                            reason: "need an [out, in] matrix and int8 or bf16, got \(weight.shape), \(precision)")
        }
        let (n, k) = (weight.shape[0], weight.shape[1])
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
            var quantized = [Int8](repeating: 0, count: n * k)
            weight.withUnsafeBufferPointer { w in
                for row in 0..<n {
                    let line = w.baseAddress! + row * k
                    var largest: Float = 0
                    for c in 0..<k { largest = max(largest, abs(line[c])) }
                    let scale = largest > 0 ? largest / weightLevels : 1
                    var sum: Int32 = 0
                    for c in 0..<k {
                        let q = Int8(max(-weightLevels, min(weightLevels, (line[c] / scale).rounded())))
                        quantized[row * k + c] = q
                        sum += Int32(q)
                    }
                    scales[row] = scale
                    sums[row] = sum
                }
            }
            created = quantized.withUnsafeBytes {
                fuse_dnnl_matmul_create(FUSE_DNNL_U8S8S32, Int64(n), Int64(k), $0.baseAddress, &error, error.count)
            }
        } else {
            var bits = [UInt16](repeating: 0, count: n * k)
            weight.withUnsafeBufferPointer { w in
                for index in 0..<(n * k) { bits[index] = BFloat16.bits(w[index]) }
            }
            created = bits.withUnsafeBytes {
                fuse_dnnl_matmul_create(FUSE_DNNL_BF16F32, Int64(n), Int64(k), $0.baseAddress, &error, error.count)
            }
        }
        guard let created else {
            throw PrecisionUnavailable(precision: precision, cpu: ComputeCapabilities.current.isa,
                                       reason: Self.message(error))
        }
        matmul = created
        weightScales = scales
        weightSums = sums
        inputLevels = 255
    }

    deinit { fuse_dnnl_matmul_destroy(matmul) }

    /// The C layer's NUL-terminated message.
    private static func message(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The oneDNN kernel the last call ran (e.g. `brg:avx512_core_vnni`), empty before the first call.
    public var implementation: String { String(cString: fuse_dnnl_matmul_implementation(matmul)) }

    /// `rows × in` floats from `input` → `rows × out` floats in `output`, plus `bias` when given.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>,
                      bias: UnsafePointer<Float>?) {
        guard rows > 0 else { return }
        var error = [CChar](repeating: 0, count: 256)
        if precision == .bf16 {
            let status = fuse_dnnl_matmul_run(matmul, Int64(rows), input, output, &error, error.count)
            precondition(status == 0, "bf16 matmul failed after it was prepared: \(Self.message(error))")
            if let bias { Kernels.addBias(output, rows: rows, columns: outFeatures, bias: bias) }
            return
        }
        let (k, n) = (inFeatures, outFeatures)
        let quantized = UnsafeMutablePointer<UInt8>.allocate(capacity: rows * k)
        let accumulated = UnsafeMutablePointer<Int32>.allocate(capacity: rows * n)
        var rowScales = [Float](repeating: 1, count: rows), zeroPoints = [Int32](repeating: 0, count: rows)
        defer { quantized.deallocate(); accumulated.deallocate() }
        for row in 0..<rows {
            let line = input + row * k
            var low: Float = 0, high: Float = 0  // the range always holds 0, so zero is exact
            for c in 0..<k { low = min(low, line[c]); high = max(high, line[c]) }
            let scale = high > low ? (high - low) / inputLevels : 1
            let zero = max(0, min(inputLevels, (-low / scale).rounded()))
            let target = quantized + row * k
            let inverse = 1 / scale
            for c in 0..<k { target[c] = UInt8(max(0, min(inputLevels, (line[c] * inverse).rounded() + zero))) }
            rowScales[row] = scale
            zeroPoints[row] = Int32(zero)
        }
        let status = fuse_dnnl_matmul_run(matmul, Int64(rows), quantized, accumulated, &error, error.count)
        precondition(status == 0, "int8 matmul failed after it was prepared: \(Self.message(error))")
        weightScales.withUnsafeBufferPointer { scales in
            weightSums.withUnsafeBufferPointer { sums in
                for row in 0..<rows {
                    let source = accumulated + row * n, target = output + row * n
                    let scale = rowScales[row], zero = zeroPoints[row]
                    for c in 0..<n {
                        target[c] = scale * scales[c] * Float(source[c] - zero * sums[c]) + (bias?[c] ?? 0)
                    }
                }
            }
        }
    }
}

/// bfloat16 rounding (nearest, ties to even), as PyTorch and oneDNN round.
enum BFloat16 {
    static func bits(_ value: Float) -> UInt16 {
        let raw = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: raw >> 16) | 0x40 }
        return UInt16(truncatingIfNeeded: (raw &+ 0x7fff &+ ((raw >> 16) & 1)) >> 16)
    }
}
