import CFuseDNNL
import Foundation

/// The numeric precision a model's linear layers compute in.
///
/// - `fp32`: the exact path (OpenBLAS), the default; every parity test holds on it.
/// - `bf16`: weights rounded to bfloat16 once at load, inputs rounded per call, fp32 accumulation (oneDNN).
/// - `int8`: weights quantized once at load, symmetric per output channel (s8: 8 bits on CPUs with VNNI, 7 without
///   it so the AVX2 kernels' 16-bit pair sums cannot saturate); inputs quantized per call, asymmetric per row (u8);
///   s32 accumulation; scales, zero points and bias applied in an fp32 epilogue (oneDNN).
/// - `auto`: the fastest of these whose accuracy contract holds on this CPU (`resolved`).
///
/// LayerNorm, softmax, attention scores, pooling and the final projections always run in fp32.
public enum Precision: String, Sendable, CaseIterable, CustomStringConvertible {
    case fp32, bf16, int8, auto

    /// Parses a name (`fp32`, `bf16`, `int8`, `auto`), or throws naming the known ones.
    public init(name: String) throws {
        guard let precision = Precision(rawValue: name.lowercased()) else {
            throw FuseError.invalidArgument(
                what: "precision '\(name)'",
                reason: "unknown (known: \(Precision.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = precision
    }

    public var description: String { rawValue }

    /// `auto` made concrete for this CPU: int8 where the CPU has VNNI (its int8 kernels are several times fp32's),
    /// else bf16 where it has native bf16, else fp32. Other precisions are returned unchanged.
    public var resolved: Precision {
        guard self == .auto else { return self }
        let cpu = ComputeCapabilities.current
        return cpu.hasVNNI ? .int8 : cpu.hasNativeBF16 ? .bf16 : .fp32
    }
}

/// What the CPU offers the reduced-precision kernels, as oneDNN sees it.
public struct ComputeCapabilities: Sendable, CustomStringConvertible {
    /// oneDNN's name for the instruction set it uses (`avx512_core_bf16`, `avx2`, …).
    public let isa: String
    /// VNNI dot products (u8 × s8 into s32 without intermediate saturation).
    public let hasVNNI: Bool
    /// Native bfloat16 dot products (AVX512_BF16 or AMX).
    public let hasNativeBF16: Bool

    public static let current: ComputeCapabilities = {
        let isa = Int(fuse_dnnl_isa())
        // dnnl_cpu_isa_t values: avx512_core_vnni 0x67, avx512_core_bf16 0xe7, avx512_core_amx 0x3e7, avx2_vnni 0x407.
        let vnni = isa == 0x67 || isa == 0xe7 || isa == 0x3e7 || isa == 0x407
        let bf16 = isa == 0xe7 || isa == 0x3e7
        return ComputeCapabilities(isa: String(cString: fuse_dnnl_isa_name()), hasVNNI: vnni, hasNativeBF16: bf16)
    }()

    public var description: String {
        "\(isa) (VNNI \(hasVNNI ? "yes" : "no"), native bf16 \(hasNativeBF16 ? "yes" : "no"))"
    }
}

/// A reduced precision this CPU (or oneDNN build) cannot run; callers fall back to fp32 and say so.
public struct PrecisionUnavailable: Error, Equatable, Sendable, CustomStringConvertible {
    public let precision: Precision
    public let cpu: String
    public let reason: String

    public var description: String { "\(precision) is not available on this CPU (\(cpu)): \(reason)" }
}
