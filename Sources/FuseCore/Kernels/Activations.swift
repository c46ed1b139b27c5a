import CFuseKernels
import Foundation

/// The activation functions transformer checkpoints name in their `config.json` (`hidden_act`).
/// Also reachable as `Kernels.Activation`.
public enum Activation: String, Sendable, CaseIterable {
    /// `x · Φ(x)` with the exact normal CDF (`torch.nn.functional.gelu`, HF "gelu").
    case gelu
    /// The tanh approximation of GELU (HF "gelu_new", "gelu_pytorch_tanh", "gelu_fast").
    case geluTanh = "gelu_new"
    /// `x · sigmoid(1.702 x)` (CLIP's "quick_gelu").
    case quickGelu = "quick_gelu"
    /// `x · sigmoid(x)` (HF "silu", "swish").
    case silu
    /// `max(x, 0)`.
    case relu

    /// The activation named by a Hugging Face `hidden_act` / `hidden_activation` value, or nil if unknown.
    public init?(huggingFaceName name: String) {
        switch name.lowercased() {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "quick_gelu": self = .quickGelu
        case "silu", "swish": self = .silu
        case "relu": self = .relu
        default: return nil
        }
    }

    /// Applies the activation to `count` elements of `x`, in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .gelu: Kernels.geluErf(x, count: count)
        case .geluTanh: Kernels.geluTanh(x, count: count)
        case .quickGelu: Kernels.quickGelu(x, count: count)
        case .silu: Kernels.silu(x, count: count)
        case .relu: Kernels.relu(x, count: count)
        }
    }
}

extension Kernels {
    /// See the top-level `Activation`.
    public typealias Activation = FuseCore.Activation

    /// Below this many elements an activation runs on one core.
    static let elementGrain = 16_384

    /// Exact GELU, `0.5 · x · (1 + erf(x / √2))` (erf to 1.5e-7, as PyTorch's CPU kernel), in place. One
    /// implementation in C (`fuse_gelu_erf`, built per ISA), shared with the reduced-precision layers' epilogue.
    public static func geluErf(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count: count, grain: elementGrain) { range in
            fuse_gelu_erf(x + range.lowerBound, Int64(range.count))
        }
    }

    /// Tanh-approximated GELU, `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`, in place.
    /// Computed as the identical `x · sigmoid(2u)`, which needs one `exp` and no `tanh`.
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let twoSqrt2OverPi: Float = 1.5957691216057308
        parallelChunks(count: count, grain: elementGrain) { range in
            for index in range {
                let value = x[index]
                let u = twoSqrt2OverPi * (value + 0.044715 * value * value * value)
                x[index] = value / (1 + FastMath.exp(-u))
            }
        }
    }

    /// Quick GELU, `x · sigmoid(1.702 x)`, in place.
    public static func quickGelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count: count, grain: elementGrain) { range in
            for index in range {
                let value = x[index]
                x[index] = value / (1 + FastMath.exp(-1.702 * value))
            }
        }
    }

    /// SiLU (swish), `x · sigmoid(x)`, in place.
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count: count, grain: elementGrain) { range in
            for index in range {
                let value = x[index]
                x[index] = value / (1 + FastMath.exp(-value))
            }
        }
    }

    /// ReLU, `max(x, 0)`, in place.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count { x[index] = max(x[index], 0) }
    }
}
