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

    /// Exact GELU, `0.5 · x · (1 + erf(x / √2))`, in place.
    public static func geluErf(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let inverseSqrt2: Float = 0.70710678118654752
        parallelChunks(count: count, grain: elementGrain) { range in
            for index in range {
                let value = x[index]
                x[index] = 0.5 * value * (1 + erff(value * inverseSqrt2))
            }
        }
    }

    /// Tanh-approximated GELU, `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`, in place.
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let sqrt2OverPi: Float = 0.79788456080286536
        parallelChunks(count: count, grain: elementGrain) { range in
            for index in range {
                let value = x[index]
                x[index] = 0.5 * value * (1 + tanhf(sqrt2OverPi * (value + 0.044715 * value * value * value)))
            }
        }
    }

    /// Quick GELU, `x · sigmoid(1.702 x)`, in place.
    public static func quickGelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count: count, grain: elementGrain) { range in
            for index in range {
                let value = x[index]
                x[index] = value / (1 + expf(-1.702 * value))
            }
        }
    }

    /// SiLU (swish), `x · sigmoid(x)`, in place.
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count: count, grain: elementGrain) { range in
            for index in range {
                let value = x[index]
                x[index] = value / (1 + expf(-value))
            }
        }
    }

    /// ReLU, `max(x, 0)`, in place.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count { x[index] = max(x[index], 0) }
    }
}
