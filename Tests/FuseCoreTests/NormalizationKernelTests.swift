import FuseTestSupport
import Testing
@testable import FuseCore

/// `Kernels.addBias`, `layerNorm`, `rmsNorm` and `softmaxRows` against numpy / torch
/// (tools/reference/core_kernels.py). Tolerance: 1e-5 absolute (outputs are O(1); the large-mean LayerNorm case
/// included, which catches the E[x²] − E[x]² cancellation).
@Suite struct NormalizationKernelTests {
    struct BiasCase: Decodable, Sendable {
        let rows, columns: Int
        let x, bias, expected: [Float]
    }

    struct NormCase: Decodable, Sendable, CustomTestStringConvertible {
        let rows, columns: Int
        let epsilon: Float
        let x: [Float]
        let weight: [Float]?
        let bias: [Float]?
        let expected: [Float]
        var testDescription: String { "\(rows)×\(columns) eps \(epsilon) \(weight == nil ? "no affine" : "affine")" }
    }

    struct SoftmaxCase: Decodable, Sendable {
        let rows, columns: Int
        let x: [Float]
        let negInfMask: [Int]
        let expected: [Float]
    }

    @Test func addBiasMatchesNumpy() throws {
        let fixture = try #require(try Fixtures.kernelCases("bias", as: BiasCase.self).first)
        var x = fixture.x
        x.withUnsafeMutableBufferPointer {
            Kernels.addBias($0.baseAddress!, rows: fixture.rows, columns: fixture.columns, bias: fixture.bias)
        }
        #expect(maxAbsDifference(x, fixture.expected) < 1e-6)
    }

    @Test(arguments: try Fixtures.kernelCases("layer_norm", as: NormCase.self))
    func layerNormMatchesTorch(_ fixture: NormCase) {
        var x = fixture.x
        x.withUnsafeMutableBufferPointer { x in
            fixture.weight.withOptionalPointer { weight in
                fixture.bias.withOptionalPointer { bias in
                    Kernels.layerNorm(
                        x.baseAddress!, rows: fixture.rows, columns: fixture.columns, weight: weight, bias: bias,
                        epsilon: fixture.epsilon)
                }
            }
        }
        #expect(maxAbsDifference(x, fixture.expected) < 1e-5)
    }

    @Test(arguments: try Fixtures.kernelCases("rms_norm", as: NormCase.self))
    func rmsNormMatchesTorch(_ fixture: NormCase) {
        var x = fixture.x
        x.withUnsafeMutableBufferPointer { x in
            fixture.weight.withOptionalPointer { weight in
                Kernels.rmsNorm(
                    x.baseAddress!, rows: fixture.rows, columns: fixture.columns, weight: weight,
                    epsilon: fixture.epsilon)
            }
        }
        #expect(maxAbsDifference(x, fixture.expected) < 1e-5)
    }

    @Test func softmaxMatchesTorchWithMasks() throws {
        let fixture = try #require(try Fixtures.kernelCases("softmax", as: SoftmaxCase.self).first)
        var x = zip(fixture.x, fixture.negInfMask).map { $1 == 1 ? -Float.infinity : $0 }
        x.withUnsafeMutableBufferPointer {
            Kernels.softmaxRows($0.baseAddress!, rows: fixture.rows, columns: fixture.columns)
        }
        #expect(maxAbsDifference(x, fixture.expected) < 1e-6)
        // Masked entries are exactly zero, and the fully masked row (row 2) is zeros, not NaN.
        for (index, masked) in fixture.negInfMask.enumerated() where masked == 1 { #expect(x[index] == 0) }
        #expect(x.allSatisfy { !$0.isNaN })
    }

    @Test func softmaxUsesBothCoresOnLargeInputsWithSameResult() {
        // 512 rows of 1000: large enough for parallelChunks to split; each row must still sum to 1.
        let rows = 512, columns = 1000
        var x = (0..<(rows * columns)).map { Float(($0 * 7919) % 1013) / 100 }
        x.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: rows, columns: columns) }
        for row in 0..<rows {
            let sum = x[(row * columns)..<((row + 1) * columns)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-4)
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's elements, or nil when there is no array.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
