import Foundation
import Testing
@testable import FuseCore

/// int8 layers with outlier input channels (LLM.int8()-style mixed precision: `ReducedPrecisionWeights`'s
/// `outlierChannels`) against a Float64 model of the same arithmetic: the outlier channels read as 0 when each row is
/// quantized (u8, asymmetric per row) and their weight columns as 0 when the weights are (s8 per output channel);
/// their products are added exactly, with the fp32 inputs and weights. The integer part is exact, so the layer must
/// agree to float rounding: relative 1e-5 of the int8 part's scale plus 1e-5 of Σ |outlier products|.
@Suite("int8 Linear with outlier channels computed in fp32")
struct OutlierChannelLinearTests {
    struct Case: Sendable, CustomStringConvertible {
        let rows: Int, inputs: Int, outputs: Int, seed: UInt64, outliers: [Int]
        var description: String { "\(rows)×\(inputs)→\(outputs) seed \(seed) outliers \(outliers)" }
    }

    static let cases = [
        Case(rows: 1, inputs: 16, outputs: 8, seed: 1, outliers: [3]),
        Case(rows: 7, inputs: 33, outputs: 19, seed: 2, outliers: [0, 32]),
        Case(rows: 37, inputs: 384, outputs: 96, seed: 3, outliers: [99, 63, 223, 267]),
        Case(rows: 130, inputs: 1536, outputs: 40, seed: 4, outliers: [856]),
    ]

    /// Random weights and inputs whose outlier channels hold values ~20× the others' in every row (one negative).
    static func layer(_ c: Case) throws -> (Linear, [Float]) {
        var generator = SplitMix64(seed: c.seed)
        let weights = (0..<(c.outputs * c.inputs)).map { _ in generator.nextSymmetric() * 0.2 }
        let bias = (0..<c.outputs).map { _ in generator.nextSymmetric() * 0.5 }
        var input = (0..<(c.rows * c.inputs)).map { _ in generator.nextSymmetric() * 1.5 }
        for r in 0..<c.rows {
            for (o, channel) in c.outliers.enumerated() {
                input[r * c.inputs + channel] = (o == 1 ? -1 : 1) * (25 + generator.nextSymmetric() * 5)
            }
        }
        let linear = try Linear(
            weight: Tensor(shape: [c.outputs, c.inputs], values: weights),
            bias: Tensor(shape: [c.outputs], values: bias))
        return (linear, input)
    }

    static func run(_ linear: Linear, _ input: [Float], rows: Int, activation: Activation? = nil) -> [Float] {
        var output = [Float](repeating: .nan, count: rows * linear.outFeatures)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                if let activation {
                    linear.apply(x.baseAddress!, rows: rows, output: y.baseAddress!, activation: activation)
                } else {
                    linear.apply(x.baseAddress!, rows: rows, output: y.baseAddress!)
                }
            }
        }
        return output
    }

    /// The Float64 model and, per output, the tolerance.
    static func reference(_ c: Case, _ linear: Linear, _ input: [Float]) -> [(Double, Double)] {
        Int8LinearModel.layer(
            rows: c.rows, inputs: c.inputs, outputs: c.outputs, weights: linear.weight.scalars,
            bias: linear.bias!.scalars, input: input, outliers: c.outliers)
    }

    static func relativeError(_ got: [Float], _ reference: [Float]) -> Double {
        let error = zip(got, reference).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
        return error / max(reference.reduce(0) { $0 + Double($1 * $1) }.squareRoot(), 1e-12)
    }

    @Test(arguments: cases)
    func matchesQuantizedReference(_ c: Case) throws {
        let (exact, input) = try Self.layer(c)
        let layer = try exact.converted(to: .int8, outlierChannels: c.outliers)
        #expect(layer.reduced?.outlierChannels == c.outliers)
        let got = Self.run(layer, input, rows: c.rows)
        for (index, (expected, tolerance)) in Self.reference(c, exact, input).enumerated() {
            #expect(
                abs(Double(got[index]) - expected) <= tolerance, "\(c) [\(index / c.outputs), \(index % c.outputs)]")
        }
        // The point of it: against fp32, the outlier channels no longer set every row's quantization step.
        let fp32 = Self.run(exact, input, rows: c.rows)
        let plain = Self.run(try exact.converted(to: .int8), input, rows: c.rows)
        let (withOutliers, without) = (Self.relativeError(got, fp32), Self.relativeError(plain, fp32))
        #expect(withOutliers * 3 < without, "\(c): relative error \(withOutliers) with outliers, \(without) without")
    }

    @Test("exact GELU follows the outlier products in the epilogue")
    func geluAfterOutliers() throws {
        let c = Self.cases[2]
        let (exact, input) = try Self.layer(c)
        let layer = try exact.converted(to: .int8, outlierChannels: c.outliers)
        let got = Self.run(layer, input, rows: c.rows, activation: .gelu)
        for (index, (expected, tolerance)) in Self.reference(c, exact, input).enumerated() {
            let gelu = 0.5 * expected * (1 + erf(expected / 2.0.squareRoot()))
            #expect(abs(Double(got[index]) - gelu) <= tolerance + 1e-6 * abs(gelu), "[\(index)]")
        }
    }

    @Test("a stacked q/k/v layer with outlier channels writes each part as the separate layers compute it")
    func stackedParts() throws {
        var generator = SplitMix64(seed: 31)
        let (inputs, width, rows, outliers) = (72, 40, 37, [5, 70])
        let parts = try (0..<3).map { _ in
            try Linear(
                weight: Tensor(
                    shape: [width, inputs], values: (0..<(width * inputs)).map { _ in generator.nextSymmetric() }),
                bias: Tensor(shape: [width], values: (0..<width).map { _ in generator.nextSymmetric() }))
        }
        var input = (0..<(rows * inputs)).map { _ in generator.nextSymmetric() }
        for r in 0..<rows { input[r * inputs + 5] = 30; input[r * inputs + 70] = -20 }
        let stacked = try Linear.stacked(parts).converted(to: .int8, outlierChannels: outliers)
        let pointers = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rows * width) }
        defer { pointers.forEach { $0.deallocate() } }
        input.withUnsafeBufferPointer { stacked.apply($0.baseAddress!, rows: rows, outputs: pointers) }
        for (index, part) in parts.enumerated() {
            let separate = try part.converted(to: .int8, outlierChannels: outliers)
            let got = Array(UnsafeBufferPointer(start: pointers[index], count: rows * width))
            #expect(got == Self.run(separate, input, rows: rows), "part \(index)")
        }
    }

    @Test("outlier channels outside the input or repeated are refused by name; bf16 ignores them")
    func badChannels() throws {
        let (exact, _) = try Self.layer(Self.cases[0])
        for channels in [[16], [-1], [3, 3]] {
            #expect { try exact.converted(to: .int8, outlierChannels: channels) } throws: {
                "\($0)".contains("outlier channels \(channels)") && "\($0)".contains("[8, 16]")
            }
        }
        if let bf16 = try? exact.converted(to: .bf16, outlierChannels: [3]) {
            #expect(bf16.reduced?.outlierChannels == [])
        }
    }
}
