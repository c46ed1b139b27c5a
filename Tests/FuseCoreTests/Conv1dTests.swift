import Foundation
import FuseCore
import Testing

/// `Kernels.conv1d` (im2col + GEMM, blocks over the cores) against a direct six-loop convolution with torch's
/// `Conv1d` semantics (zero padding, stride, groups), on odd sizes and long enough signals to use several blocks.
/// The model-level parity with transformers is in SpeechParityTests.
@Suite("Conv1d kernel")
struct Conv1dTests {
    struct Case: Sendable, CustomStringConvertible {
        let length, inChannels, outChannels, kernel, stride, padding, groups: Int
        var description: String {
            "L\(length) \(inChannels)→\(outChannels) k\(kernel) s\(stride) p\(padding) g\(groups)"
        }
    }

    static let cases = [
        Case(length: 4001, inChannels: 1, outChannels: 7, kernel: 10, stride: 5, padding: 0, groups: 1),
        Case(length: 799, inChannels: 11, outChannels: 13, kernel: 3, stride: 2, padding: 0, groups: 1),
        Case(length: 61, inChannels: 33, outChannels: 33, kernel: 8, stride: 1, padding: 4, groups: 3),
        Case(length: 1203, inChannels: 39, outChannels: 39, kernel: 5, stride: 1, padding: 2, groups: 13),
        Case(length: 5, inChannels: 6, outChannels: 4, kernel: 7, stride: 1, padding: 3, groups: 2),
    ]

    @Test("matches the direct convolution", arguments: cases)
    func matchesDirect(_ c: Case) throws {
        var generator = SplitMix64(seed: UInt64(c.length))
        let input = (0..<(c.length * c.inChannels)).map { _ in generator.nextSymmetric() }
        let perGroup = c.inChannels / c.groups, outPerGroup = c.outChannels / c.groups
        let torchWeight = (0..<(c.outChannels * perGroup * c.kernel)).map { _ in generator.nextSymmetric() }
        let bias = (0..<c.outChannels).map { _ in generator.nextSymmetric() }
        let frames = Kernels.conv1dOutputLength(
            inputLength: c.length, kernel: c.kernel, stride: c.stride,
            padding: c.padding)
        var expected = [Float](repeating: 0, count: frames * c.outChannels)
        for t in 0..<frames {
            for o in 0..<c.outChannels {
                let group = o / outPerGroup
                var sum = Double(bias[o])
                for i in 0..<perGroup {
                    for k in 0..<c.kernel {
                        let frame = t * c.stride - c.padding + k
                        guard frame >= 0, frame < c.length else { continue }
                        sum +=
                            Double(input[frame * c.inChannels + group * perGroup + i])
                            * Double(torchWeight[(o * perGroup + i) * c.kernel + k])
                    }
                }
                expected[t * c.outChannels + o] = Float(sum)
            }
        }
        let weight = torchWeight.withUnsafeBufferPointer {
            Kernels.conv1dWeightTimeMajor($0, outChannels: c.outChannels, inChannels: perGroup, kernel: c.kernel)
        }
        var output = [Float](repeating: .nan, count: frames * c.outChannels)
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    output.withUnsafeMutableBufferPointer { y in
                        Kernels.conv1d(
                            input: x.baseAddress!, inputLength: c.length, inChannels: c.inChannels,
                            weight: w.baseAddress!, bias: b.baseAddress, outChannels: c.outChannels,
                            kernel: c.kernel, stride: c.stride, padding: c.padding, groups: c.groups,
                            output: y.baseAddress!, outputRows: frames)
                    }
                }
            }
        }
        let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4, "\(c): \(worst)")
    }

    @Test("output lengths follow torch's formula")
    func lengths() {
        #expect(Kernels.conv1dOutputLength(inputLength: 400, kernel: 10, stride: 5) == 79)
        #expect(Kernels.conv1dOutputLength(inputLength: 9, kernel: 10, stride: 5) == 0)
        #expect(Kernels.conv1dOutputLength(inputLength: 50, kernel: 128, stride: 1, padding: 64) == 51)
    }
}
