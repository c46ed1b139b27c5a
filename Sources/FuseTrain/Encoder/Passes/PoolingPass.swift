/// sentence-transformers' mean pooling (`Pooling(pooling_mode="mean")`: Σ mask·x / max(Σ mask, 1e-9)) followed by
/// `Normalize()` (x / max(‖x‖, 1e-12)), and their backward.
enum PoolingPass {
    /// Pools `[B, T, C]` into `pooled` `[B, C]` and writes the unit vectors into `normalized`; `norms` keeps ‖pooled‖.
    static func forward(
        _ x: UnsafePointer<Float>, mask: [Float], batch: Int, sequence: Int, width: Int,
        pooled: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>,
        normalized: UnsafeMutablePointer<Float>
    ) {
        for b in 0..<batch {
            let out = pooled + b * width
            out.update(repeating: 0, count: width)
            var count: Float = 0
            for t in 0..<sequence where mask[b * sequence + t] != 0 {
                let row = x + (b * sequence + t) * width
                let m = mask[b * sequence + t]
                for i in 0..<width { out[i] += m * row[i] }
                count += m
            }
            let denominator = max(count, 1e-9)
            var squares: Float = 0
            for i in 0..<width {
                out[i] /= denominator
                squares += out[i] * out[i]
            }
            let norm = max(squares.squareRoot(), 1e-12)
            norms[b] = norm
            for i in 0..<width { normalized[b * width + i] = out[i] / norm }
        }
    }

    /// dx (`[B, T, C]`, overwritten) from the gradient of the normalized embeddings.
    static func backward(
        dNormalized: UnsafePointer<Float>, normalized: UnsafePointer<Float>, norms: UnsafePointer<Float>,
        mask: [Float], batch: Int, sequence: Int, width: Int, dx: UnsafeMutablePointer<Float>
    ) {
        for b in 0..<batch {
            let z = normalized + b * width, dz = dNormalized + b * width
            var dot: Float = 0
            for i in 0..<width { dot += z[i] * dz[i] }
            var count: Float = 0
            for t in 0..<sequence { count += mask[b * sequence + t] }
            let scale = 1 / (norms[b] * max(count, 1e-9))
            for t in 0..<sequence {
                let row = dx + (b * sequence + t) * width
                let m = mask[b * sequence + t]
                for i in 0..<width { row[i] = m * (dz[i] - z[i] * dot) * scale }
            }
        }
    }
}
