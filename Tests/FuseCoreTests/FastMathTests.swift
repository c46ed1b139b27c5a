import Foundation
import Testing
@testable import FuseCore

/// The branch-free `exp` and `1 + erf` behind the activations and softmax, against glibc's double-precision
/// `exp`/`erfc` over their whole useful range. Tolerances: 3e-7 relative for exp (≈ 2–3 ulp),
/// 6e-7 absolute for 1 + erf (A&S 7.1.26 promises 1.5e-7; values near 2 add Float rounding of up to 2.4e-7).
@Suite struct FastMathTests {
    @Test func expMatchesLibm() {
        var worst: Double = 0
        for step in 0...200_000 {
            let x = Float(-87.0 + 175.0 * Double(step) / 200_000)
            let reference = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(FastMath.exp(x)) - reference) / reference)
        }
        #expect(worst < 3e-7)
    }

    @Test func expEdges() {
        #expect(FastMath.exp(0) == 1)
        #expect(FastMath.exp(-.infinity) == 0)
        #expect(FastMath.exp(-100) == 0)
        #expect(FastMath.exp(.infinity).isFinite)
        #expect(FastMath.exp(.nan).isNaN)
    }

    /// The C kernels' exact GELU (`fuse_gelu_erf`, every build this CPU runs) against libm's erfc in Float64:
    /// 0.5 · x · (1 + erf(x/√2)) with erf to 1.5e-7 absolute, so the error is ≤ 1e-7 · |x| (plus float rounding).
    @Test func geluErfMatchesLibmInEveryBuild() {
        let xs = (0...100_000).map { Float(-12.0 + 24.0 * Double($0) / 100_000) } + [.nan, 0, -0.0, 40, -40]
        for level in stride(from: Kernels.vectorLevel, through: 0, by: -1) {
            var ys = xs
            Kernels.withVectorLevelCap(level) {
                ys.withUnsafeMutableBufferPointer { Kernels.geluErf($0.baseAddress!, count: $0.count) }
            }
            var worst: Double = 0
            for (x, y) in zip(xs, ys) where !x.isNaN {
                let z = Double(x) / 2.0.squareRoot()
                let onePlusErf = z < 0 ? Foundation.erfc(-z) : 2 - Foundation.erfc(z)
                worst = max(worst, abs(Double(y) - 0.5 * Double(x) * onePlusErf) / max(1, abs(Double(x))))
            }
            #expect(worst < 6e-7, "build \(level): worst \(worst)")
            #expect(ys[xs.count - 5].isNaN, "build \(level): NaN stays NaN")
        }
    }
}
