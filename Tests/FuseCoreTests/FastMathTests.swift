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

    @Test func onePlusErfMatchesLibm() {
        var worst: Double = 0
        for step in 0...100_000 {
            let z = Float(-9.0 + 18.0 * Double(step) / 100_000)
            let reference = z < 0 ? Foundation.erfc(-Double(z)) : 2 - Foundation.erfc(Double(z))
            worst = max(worst, abs(Double(FastMath.onePlusErf(z)) - reference))
        }
        #expect(worst < 6e-7)
        #expect(FastMath.onePlusErf(.nan).isNaN)
    }
}
