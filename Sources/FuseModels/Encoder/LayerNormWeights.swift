import FuseCore

/// A LayerNorm's parameters and epsilon.
public struct LayerNormWeights: Sendable {
    public let weight: Tensor
    public let bias: Tensor
    public let epsilon: Float

    public init(weight: Tensor, bias: Tensor, epsilon: Float) {
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    public var width: Int { weight.count }

    /// Normalises `rows` rows of `width` floats at `x`, in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Kernels.layerNorm(
                    x, rows: rows, columns: width, weight: w.baseAddress, bias: b.baseAddress,
                    epsilon: epsilon)
            }
        }
    }

    /// `x += delta` (nil: none), then `normed = LayerNorm(x)` in one C pass per row (`Kernels.residualLayerNorm`);
    /// `normed` may be `x`. The reduced-precision encoder path; fp32 keeps `apply(_:rows:)`'s exact order.
    public func applyAddingResidual(
        _ delta: UnsafePointer<Float>?, to x: UnsafeMutablePointer<Float>, into normed: UnsafeMutablePointer<Float>,
        rows: Int
    ) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Kernels.residualLayerNorm(
                    x, adding: delta, into: normed, rows: rows, columns: width, weight: w.baseAddress,
                    bias: b.baseAddress, epsilon: epsilon)
            }
        }
    }
}
