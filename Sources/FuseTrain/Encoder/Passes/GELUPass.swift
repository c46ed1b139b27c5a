import Foundation

/// BERT's `gelu`: x·Φ(x) with the exact (erf) normal CDF, and its derivative Φ(x) + x·φ(x).
enum GELUPass {
    static func forward(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let v = Double(x[i])
            y[i] = Float(0.5 * v * (1 + erf(v / 2.0.squareRoot())))
        }
    }

    /// dx = dy · GELU′(x) (overwrites dx).
    static func backward(
        _ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, count: Int, into dx: UnsafeMutablePointer<Float>
    ) {
        let inverseSqrt2Pi = 1 / (2 * Double.pi).squareRoot()
        for i in 0..<count {
            let v = Double(x[i])
            let cdf = 0.5 * (1 + erf(v / 2.0.squareRoot()))
            let pdf = inverseSqrt2Pi * exp(-0.5 * v * v)
            dx[i] = dy[i] * Float(cdf + v * pdf)
        }
    }
}
