import FuseTestSupport
import Testing
@testable import FuseCore

/// `Kernels.residualLayerNorm` (the C pass the reduced-precision encoders use for residual sum + LayerNorm) against
/// torch's float64 LayerNorm on the same fixtures as `layerNorm` (tools/reference/core_kernels.py: 384 columns, 33
/// columns for the non-vector tail, and rows offset by 1000 for cancellation), in every vector build this CPU runs.
/// Tolerance 1e-5 absolute, as for the Swift LayerNorm.
@Suite struct ResidualLayerNormTests {
    typealias NormCase = NormalizationKernelTests.NormCase

    /// Runs the kernel at `level` on `x` (modified: the residual sum) with `delta`, into `normed` (nil: in place).
    static func run(
        _ fixture: NormCase, x: inout [Float], delta: [Float]?, separateOutput: Bool, level: Int
    ) -> [Float] {
        var normed = [Float](repeating: .nan, count: x.count)
        Kernels.withVectorLevelCap(level) {
            x.withUnsafeMutableBufferPointer { x in
                normed.withUnsafeMutableBufferPointer { normed in
                    delta.withOptionalPointer { delta in
                        fixture.weight.withOptionalPointer { weight in
                            fixture.bias.withOptionalPointer { bias in
                                Kernels.residualLayerNorm(
                                    x.baseAddress!, adding: delta,
                                    into: separateOutput ? normed.baseAddress! : x.baseAddress!,
                                    rows: fixture.rows, columns: fixture.columns, weight: weight, bias: bias,
                                    epsilon: fixture.epsilon)
                            }
                        }
                    }
                }
            }
        }
        return separateOutput ? normed : x
    }

    @Test(arguments: try Fixtures.kernelCases("layer_norm", as: NormCase.self))
    func normalisesWithoutResidualIntoASeparateBuffer(_ fixture: NormCase) {
        for level in stride(from: Kernels.vectorLevel, through: 0, by: -1) {
            var x = fixture.x
            let normed = Self.run(fixture, x: &x, delta: nil, separateOutput: true, level: level)
            #expect(maxAbsDifference(normed, fixture.expected) < 1e-5, "vector level \(level)")
            #expect(x == fixture.x, "the input rows stay as they were without a residual (level \(level))")
        }
    }

    /// Zero rows plus the fixture as the residual: the sum is exactly the fixture, normalised in place (post-LN).
    @Test(arguments: try Fixtures.kernelCases("layer_norm", as: NormCase.self))
    func addsTheResidualThenNormalisesInPlace(_ fixture: NormCase) {
        for level in stride(from: Kernels.vectorLevel, through: 0, by: -1) {
            var x = [Float](repeating: 0, count: fixture.x.count)
            let normed = Self.run(fixture, x: &x, delta: fixture.x, separateOutput: false, level: level)
            #expect(maxAbsDifference(normed, fixture.expected) < 1e-5, "vector level \(level)")
        }
    }

    /// Pre-LN: the residual sum stays in x (exactly x + delta), the normalised rows go to their own buffer.
    @Test(arguments: try Fixtures.kernelCases("layer_norm", as: NormCase.self))
    func keepsTheResidualSumBesideTheNormalisedRows(_ fixture: NormCase) {
        let delta = fixture.x.indices.map { Float($0 % 7) - 3 }
        let start = zip(fixture.x, delta).map { $0 - $1 }
        var x = start
        _ = Self.run(fixture, x: &x, delta: delta, separateOutput: true, level: Kernels.vectorLevel)
        #expect(x == zip(start, delta).map { $0 + $1 })
    }
}
