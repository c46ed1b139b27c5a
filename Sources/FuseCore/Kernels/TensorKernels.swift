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
            throw FuseError.invalidArgument(
                what: "linear weight", reason: "expected rank 2 [out, in], got \(weight.shape)")
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
    /// Under int8, `outlierChannels` are input channels computed beside the int8 GEMM in fp32 and `smoothing` the
    /// input channels' SmoothQuant factors (`ReducedPrecisionWeights.init(weight:precision:outlierChannels:smoothing:)`).
    /// Throws `PrecisionUnavailable` when this CPU cannot run it.
    public func converted(
        to precision: Precision, outlierChannels: [Int] = [], smoothing: [Float]? = nil
    ) throws -> Linear {
        let target = precision.resolved
        guard target != self.precision else { return self }
        guard target != .fp32 else { return Linear(weight: weight, bias: bias, reduced: nil) }
        let reduced = try ReducedPrecisionWeights(
            weight: weight, precision: target, outlierChannels: outlierChannels, smoothing: smoothing)
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

    /// Several layers with the same input as one (a fused query/key/value projection): their weights stacked
    /// `[Σ out, in]`, biases stacked (zeros for a part without one; nil when none has one).
    public static func stacked(_ parts: [Linear]) throws -> Linear {
        guard let first = parts.first, parts.allSatisfy({ $0.inFeatures == first.inFeatures }) else {
            throw FuseError.invalidArgument(
                what: "stacked linear layers",
                reason: "need one or more layers with the same input size")
        }
        let outputs = parts.map(\.outFeatures).reduce(0, +)
        var weights = [Float]()
        weights.reserveCapacity(outputs * first.inFeatures)
        for part in parts { part.weight.withUnsafeBufferPointer { weights.append(contentsOf: $0) } }
        var bias: Tensor?
        if parts.contains(where: { $0.bias != nil }) {
            var values = [Float]()
            values.reserveCapacity(outputs)
            for part in parts {
                if let b = part.bias {
                    b.withUnsafeBufferPointer { values.append(contentsOf: $0) }
                } else {
                    values.append(contentsOf: repeatElement(0, count: part.outFeatures))
                }
            }
            bias = try Tensor(shape: [outputs], values: values)
        }
        return try Linear(weight: Tensor(shape: [outputs, first.inFeatures], values: weights), bias: bias)
    }

    /// Like `apply(_:rows:output:)`, but the `out` columns go to `outputs.count` buffers of equal width, each
    /// `rows × (out / outputs.count)` row-major (a stacked q/k/v layer straight into three buffers). In fp32 each
    /// part is its own GEMM, exactly as separate layers compute it.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, outputs: [UnsafeMutablePointer<Float>]) {
        guard outputs.count > 1 else {
            if let only = outputs.first { apply(input, rows: rows, output: only) }
            return
        }
        precondition(outFeatures % outputs.count == 0, "\(outputs.count) parts do not divide \(outFeatures) columns")
        guard rows > 0, outFeatures > 0 else { return }
        let width = outFeatures / outputs.count
        if let reduced, inFeatures > 0 {
            applyReduced(reduced, input, rows: rows, outputs: outputs, activation: nil)
            return
        }
        for (part, output) in outputs.enumerated() {
            weight.withUnsafeBufferPointer { w in
                if inFeatures == 0 {
                    output.update(repeating: 0, count: rows * width)
                } else {
                    Kernels.gemm(
                        transposeA: false, transposeB: true, m: rows, n: width, k: inFeatures, a: input,
                        lda: inFeatures, b: w.baseAddress! + part * width * inFeatures, ldb: inFeatures, c: output,
                        ldc: width)
                }
            }
            if let bias {
                bias.withUnsafeBufferPointer { b in
                    Kernels.addBias(output, rows: rows, columns: width, bias: b.baseAddress! + part * width)
                }
            }
        }
    }

    /// `apply(_:rows:output:)` followed by `activation` on the outputs; reduced-precision layers fuse exact GELU into
    /// their epilogue (one pass over the outputs instead of two).
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>,
        activation: Activation
    ) {
        guard rows > 0, outFeatures > 0 else { return }
        if let reduced, inFeatures > 0, ReducedPrecisionWeights.fuses(activation) {
            applyReduced(reduced, input, rows: rows, outputs: [output], activation: activation)
            return
        }
        apply(input, rows: rows, output: output)
        activation.apply(output, count: rows * outFeatures)
    }

    /// The reduced-precision call with this layer's bias, if any.
    private func applyReduced(
        _ reduced: ReducedPrecisionWeights, _ input: UnsafePointer<Float>, rows: Int,
        outputs: [UnsafeMutablePointer<Float>], activation: Activation?
    ) {
        guard let bias else {
            reduced.apply(input, rows: rows, outputs: outputs, bias: nil, activation: activation)
            return
        }
        bias.withUnsafeBufferPointer {
            reduced.apply(input, rows: rows, outputs: outputs, bias: $0.baseAddress, activation: activation)
        }
    }

    /// Raw form for model code that manages its own buffers: reads `rows × in` floats from `input` and writes
    /// `rows × out` floats to `output` (which must not overlap `input`).
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0 else { return }
        if let reduced, inFeatures > 0 {
            applyReduced(reduced, input, rows: rows, outputs: [output], activation: nil)
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
