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
}
