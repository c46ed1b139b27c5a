/// sentence-transformers' mean pooling (`Pooling(pooling_mode="mean")`: Σ mask·x / max(Σ mask, 1e-9)) followed by
/// `Normalize()` (x / max(‖x‖, 1e-12)), and their backward, over packed sequences (each token weighed by its mask
/// value; padding is not in the rows).
enum PoolingPass {
    /// Pools the rows of each sequence into `pooled` `[S, C]` and writes the unit vectors into `normalized`; `norms`
    /// keeps ‖pooled‖.
    static func forward(
        _ x: UnsafePointer<Float>, tokens: PackedTokens, width: Int, pooled: UnsafeMutablePointer<Float>,
        norms: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>
    ) {
        for s in 0..<tokens.sequences {
            let out = pooled + s * width
            out.update(repeating: 0, count: width)
            var count: Float = 0
            for t in tokens.offsets[s]..<tokens.offsets[s + 1] {
                let row = x + t * width
                let m = tokens.weights[t]
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
            norms[s] = norm
            for i in 0..<width { normalized[s * width + i] = out[i] / norm }
        }
    }

    /// dx (`[rows, C]`, overwritten) from the gradient of the normalized embeddings.
    static func backward(
        dNormalized: UnsafePointer<Float>, normalized: UnsafePointer<Float>, norms: UnsafePointer<Float>,
        tokens: PackedTokens, width: Int, dx: UnsafeMutablePointer<Float>
    ) {
        for s in 0..<tokens.sequences {
            let z = normalized + s * width, dz = dNormalized + s * width
            var dot: Float = 0
            for i in 0..<width { dot += z[i] * dz[i] }
            var count: Float = 0
            for t in tokens.offsets[s]..<tokens.offsets[s + 1] { count += tokens.weights[t] }
            let scale = 1 / (norms[s] * max(count, 1e-9))
            for t in tokens.offsets[s]..<tokens.offsets[s + 1] {
                let row = dx + t * width
                let m = tokens.weights[t]
                for i in 0..<width { row[i] = m * (dz[i] - z[i] * dot) * scale }
            }
        }
    }
}
