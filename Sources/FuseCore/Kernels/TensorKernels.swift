extension Tensor {
    /// The matrix product `self · other` (or `self · otherᵀ` with `transposeOther`).
    ///
    /// `self` may have any rank ≥ 1: its leading dimensions are flattened into rows, so `[batch, seq, in]` times
    /// `[in, out]` gives `[batch, seq, out]`. `other` must be rank 2.
    public func matmul(_ other: Tensor, transposeOther: Bool = false) throws -> Tensor {
        guard rank >= 1, other.rank == 2 else {
            throw FuseError.invalidArgument(
                what: "matmul", reason: "needs a tensor of rank ≥ 1 times a matrix, got \(shape) × \(other.shape)")
        }
        let inner = shape[rank - 1]
        let otherInner = transposeOther ? other.shape[1] : other.shape[0]
        let outer = transposeOther ? other.shape[0] : other.shape[1]
        guard inner == otherInner else {
            throw FuseError.shapeMismatch(
                what: "matmul inner dimension", expected: [inner], actual: [otherInner])
        }
        let rows = count / max(inner, 1)
        let resultShape = Array(shape.dropLast()) + [outer]
        return Tensor(shape: resultShape) { result in
            guard rows > 0, outer > 0 else { return }
            guard inner > 0 else {
                result.update(repeating: 0)
                return
            }
            withUnsafeBufferPointer { a in
                other.withUnsafeBufferPointer { b in
                    Kernels.gemm(
                        transposeA: false, transposeB: transposeOther, m: rows, n: outer, k: inner,
                        a: a.baseAddress!, lda: inner, b: b.baseAddress!, ldb: other.shape[1],
                        c: result.baseAddress!, ldc: outer)
                }
            }
        }
    }
}

/// A dense layer in Hugging Face's layout: `y = x · Wᵀ + b` with `W` stored `[out, in]` (as `nn.Linear`).
///
/// ```swift
/// let dense = try Linear(weight: try checkpoint.tensor("encoder.layer.0.output.dense.weight"),
///                        bias: try checkpoint.tensor("encoder.layer.0.output.dense.bias"))
/// let y = try dense(x)          // x: [..., in] → y: [..., out]
/// ```
public struct Linear: Sendable {
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, or nil for a layer without bias.
    public let bias: Tensor?

    /// The reduced-precision form the layer computes with (`converted(to:)`), nil for fp32.
    public let reduced: ReducedPrecisionWeights?

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// The precision `apply` computes in.
    public var precision: Precision { reduced?.precision ?? .fp32 }

    /// Checks that `weight` is a matrix and `bias` (if any) matches its output size.
    public init(weight: Tensor, bias: Tensor? = nil) throws {
        guard weight.rank == 2 else {
            throw FuseError.invalidArgument(what: "linear weight", reason: "expected rank 2 [out, in], got \(weight.shape)")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw FuseError.shapeMismatch(what: "linear bias", expected: [weight.shape[0]], actual: bias.shape)
        }
        self.weight = weight
        self.bias = bias
        reduced = nil
    }

    private init(weight: Tensor, bias: Tensor?, reduced: ReducedPrecisionWeights?) {
        self.weight = weight
        self.bias = bias
        self.reduced = reduced
    }

    /// The same layer computing in `precision` (`.auto` resolved for this CPU); `.fp32` gives the exact layer back.
    /// Throws `PrecisionUnavailable` when this CPU cannot run it.
    public func converted(to precision: Precision) throws -> Linear {
        let target = precision.resolved
        guard target != self.precision else { return self }
        guard target != .fp32 else { return Linear(weight: weight, bias: bias, reduced: nil) }
        let reduced = try ReducedPrecisionWeights(weight: weight, precision: target)
        // The fp32 weights are not read again while the reduced copy computes: a mapped checkpoint's pages go.
        weight.storage.releaseResidentPages(offset: weight.offset, count: weight.count)
        return Linear(weight: weight, bias: bias, reduced: reduced)
    }

    /// Applies the layer to the last dimension of `x` (`[..., in]` → `[..., out]`).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1, x.shape[x.rank - 1] == inFeatures else {
            throw FuseError.shapeMismatch(what: "linear input", expected: [-1, inFeatures], actual: x.shape)
        }
        let rows = x.count / max(inFeatures, 1)
        return Tensor(shape: Array(x.shape.dropLast()) + [outFeatures]) { result in
            x.withUnsafeBufferPointer { input in
                apply(input.baseAddress!, rows: rows, output: result.baseAddress!)
            }
        }
    }

    /// Raw form for model code that manages its own buffers: reads `rows × in` floats from `input` and writes
    /// `rows × out` floats to `output` (which must not overlap `input`).
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0 else { return }
        if let reduced, inFeatures > 0 {
            if let bias {
                bias.withUnsafeBufferPointer { reduced.apply(input, rows: rows, output: output, bias: $0.baseAddress) }
            } else {
                reduced.apply(input, rows: rows, output: output, bias: nil)
            }
            return
        }
        weight.withUnsafeBufferPointer { w in
            if inFeatures == 0 {
                output.update(repeating: 0, count: rows * outFeatures)
            } else {
                Kernels.gemm(
                    transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                    a: input, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures, c: output, ldc: outFeatures)
            }
        }
        if let bias {
            bias.withUnsafeBufferPointer { b in
                Kernels.addBias(output, rows: rows, columns: outFeatures, bias: b.baseAddress!)
            }
        }
    }
}
