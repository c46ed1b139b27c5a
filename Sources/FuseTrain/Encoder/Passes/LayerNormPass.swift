/// LayerNorm over the last axis, `y = (x − μ)·rstd·γ + β`, keeping μ and rstd per row for the backward.
enum LayerNormPass {
    static func forward(
        _ x: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        epsilon: Float, into y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let row = x + r * width, out = y + r * width
            var sum = 0.0
            for i in 0..<width { sum += Double(row[i]) }
            let m = sum / Double(width)
            var squares = 0.0
            for i in 0..<width {
                let d = Double(row[i]) - m
                squares += d * d
            }
            let s = 1 / (squares / Double(width) + Double(epsilon)).squareRoot()
            for i in 0..<width { out[i] = Float((Double(row[i]) - m) * s) * weight[i] + bias[i] }
            mean[r] = Float(m)
            rstd[r] = Float(s)
        }
    }

    /// Accumulates dγ, dβ and dx (`+=`) from dy, the forward input and its saved statistics.
    static func backward(
        _ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let row = x + r * width, grad = dy + r * width, dxRow = dx + r * width
            let m = mean[r], s = rstd[r]
            // dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat)), dxhat = dy · γ.
            var meanD = 0.0, meanDX = 0.0
            for i in 0..<width {
                let xhat = (row[i] - m) * s
                let dxhat = grad[i] * weight[i]
                meanD += Double(dxhat)
                meanDX += Double(dxhat * xhat)
                dWeight[i] += grad[i] * xhat
                dBias[i] += grad[i]
            }
            let a = Float(meanD / Double(width)), b = Float(meanDX / Double(width))
            for i in 0..<width {
                let xhat = (row[i] - m) * s
                dxRow[i] += s * (grad[i] * weight[i] - a - xhat * b)
            }
        }
    }
}
