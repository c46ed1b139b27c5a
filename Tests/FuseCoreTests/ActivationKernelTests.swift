import FuseTestSupport
import Testing
@testable import FuseCore

/// Activations against torch: `F.gelu` (erf and tanh), `x·sigmoid(1.702x)`, `F.silu`, `F.relu` over [-12, 12], random
/// values and extremes (±30, ±88, ±0, ±1e-7). Tolerance: 2e-6 relative (|Δ| / (1 + |ref|)).
@Suite struct ActivationKernelTests {
    struct ActivationCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let x, expected: [Float]
        var testDescription: String { name }
    }

    @Test(arguments: try Fixtures.kernelCases("activations", as: ActivationCase.self))
    func activationMatchesTorch(_ fixture: ActivationCase) throws {
        let activation = try #require(Activation(huggingFaceName: fixture.name))
        var x = fixture.x
        x.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count) }
        #expect(maxMixedDifference(x, fixture.expected) < 2e-6)
    }

    @Test func largeInputsTakeTheParallelPathWithTheSameResult() {
        // Above the grain size the work is split across cores; it must equal the one-core result element by element.
        let values = (0..<100_000).map { Float($0 % 2001 - 1000) / 97 }
        var parallel = values
        parallel.withUnsafeMutableBufferPointer { Kernels.geluErf($0.baseAddress!, count: $0.count) }
        var serial = values
        for start in stride(from: 0, to: serial.count, by: 1000) {
            serial.withUnsafeMutableBufferPointer { Kernels.geluErf($0.baseAddress! + start, count: 1000) }
        }
        #expect(parallel == serial)
        #expect(parallel != values)
    }

    @Test(arguments: [
        ("gelu", Activation.gelu), ("gelu_new", .geluTanh), ("gelu_pytorch_tanh", .geluTanh),
        ("quick_gelu", .quickGelu), ("silu", .silu), ("swish", .silu), ("relu", .relu),
    ])
    func huggingFaceNamesMap(_ name: String, _ expected: Activation) {
        #expect(Activation(huggingFaceName: name) == expected)
        #expect(Kernels.Activation(huggingFaceName: name) == expected)
    }

    @Test func unknownActivationNameIsRejected() {
        #expect(Activation(huggingFaceName: "tanhshrink") == nil)
    }
}
