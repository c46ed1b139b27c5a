import CFuseKernels

extension Kernels {
    /// A transformer block's residual sum and the LayerNorm after it, in one vectorised C pass per row:
    /// `x += delta` (nil: `x` unchanged), then `normed = (x − mean) / sqrt(var + epsilon) · weight + bias` with the
    /// biased variance (as `torch.nn.LayerNorm`). `normed` may be `x` (post-LN blocks normalise in place).
    ///
    /// Its reductions run in 16 lanes, so results differ from `add` + `layerNorm` (strict left-to-right sums) by
    /// float rounding only; the reduced-precision encoders use it, the exact fp32 path keeps `layerNorm`.
    /// Single-threaded: callers already spread rows (or batch items) over the cores.
    public static func residualLayerNorm(
        _ x: UnsafeMutablePointer<Float>, adding delta: UnsafePointer<Float>?, into normed: UnsafeMutablePointer<Float>,
        rows: Int, columns: Int, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, epsilon: Float
    ) {
        guard rows > 0, columns > 0 else { return }
        fuse_residual_layer_norm(x, delta, normed, Int64(rows), Int64(columns), weight, bias, epsilon)
    }
}
