import Foundation
import Testing

@testable import FuseCore

/// int8 layers with SmoothQuant factors (`ReducedPrecisionWeights`'s `smoothing`) against a Float64 model of the same
/// arithmetic: each input channel multiplied by 1 / s (float32, as the quantization kernel reads it) before its row is
/// quantized, each weight column multiplied by s (float32) before the weights are; outlier channels, when given, read
/// as 0 on both sides and are added exactly. The integer part is exact, so the layer agrees to float rounding.
@Suite("int8 Linear with SmoothQuant factors")
struct SmoothedInt8LinearTests {
    typealias Case = OutlierChannelLinearTests.Case

    static let cases = [
        Case(rows: 1, inputs: 16, outputs: 8, seed: 5, outliers: []),
        Case(rows: 9, inputs: 35, outputs: 21, seed: 6, outliers: [34]),
        Case(rows: 41, inputs: 384, outputs: 96, seed: 7, outliers: [99, 12]),
        Case(rows: 128, inputs: 1536, outputs: 40, seed: 8, outliers: []),
    ]

    /// Random weights and inputs whose channels differ in range as a transformer's do: every fifth channel ~8× the
    /// others in every row, with weights ~8× smaller in its column; outlier channels at ~25.
    static func layer(_ c: Case) throws -> (Linear, [Float], [Float]) {
        var generator = SplitMix64(seed: c.seed)
        let wide = (0..<c.inputs).map { $0 % 5 == 2 ? Float(8) : 1 }
        let weights = (0..<(c.outputs * c.inputs)).map { generator.nextSymmetric() * 0.2 / wide[$0 % c.inputs] }
        let bias = (0..<c.outputs).map { _ in generator.nextSymmetric() * 0.5 }
        var input = (0..<(c.rows * c.inputs)).map { generator.nextSymmetric() * wide[$0 % c.inputs] }
        for r in 0..<c.rows {
            for channel in c.outliers { input[r * c.inputs + channel] = 25 + generator.nextSymmetric() * 5 }
        }
        let linear = try Linear(
            weight: Tensor(shape: [c.outputs, c.inputs], values: weights),
            bias: Tensor(shape: [c.outputs], values: bias))
        // SmoothQuant's α = 0.5 factors from the input and weight column peaks, over their median.
        let raw = (0..<c.inputs).map { channel in
            let x = (0..<c.rows).map { abs(input[$0 * c.inputs + channel]) }.max()!
            let w = (0..<c.outputs).map { abs(weights[$0 * c.inputs + channel]) }.max()!
            return (max(x, 1e-5) / max(w, 1e-5)).squareRoot()
        }
        let median = raw.sorted()[raw.count / 2]
        return (linear, input, raw.map { $0 / median })
    }

    /// The Float64 model and, per output, the tolerance.
    static func reference(_ c: Case, _ linear: Linear, _ input: [Float], _ s: [Float]) -> [(Double, Double)] {
        Int8LinearModel.layer(
            rows: c.rows, inputs: c.inputs, outputs: c.outputs, weights: linear.weight.scalars,
            bias: linear.bias!.scalars, input: input, outliers: c.outliers, smoothing: s)
    }

    @Test(arguments: cases)
    func matchesQuantizedReference(_ c: Case) throws {
        let (exact, input, s) = try Self.layer(c)
        let layer = try exact.converted(to: .int8, outlierChannels: c.outliers, smoothing: s)
        #expect(layer.reduced?.isSmoothed == true)
        let got = OutlierChannelLinearTests.run(layer, input, rows: c.rows)
        for (index, (expected, tolerance)) in Self.reference(c, exact, input, s).enumerated() {
            #expect(
                abs(Double(got[index]) - expected) <= tolerance, "\(c) [\(index / c.outputs), \(index % c.outputs)]")
        }
        // The point of it: against fp32, the wide channels no longer set every row's quantization step.
        let fp32 = OutlierChannelLinearTests.run(exact, input, rows: c.rows)
        let plain = OutlierChannelLinearTests.run(
            try exact.converted(to: .int8, outlierChannels: c.outliers), input, rows: c.rows)
        let smoothed = OutlierChannelLinearTests.relativeError(got, fp32)
        let unsmoothed = OutlierChannelLinearTests.relativeError(plain, fp32)
        #expect(smoothed * 2.5 < unsmoothed, "\(c): relative error \(smoothed) smoothed, \(unsmoothed) not")
    }

    @Test("a stacked q/k/v layer with smoothing writes each part as the separate smoothed layers compute it")
    func stackedParts() throws {
        let c = Self.cases[1]
        let (first, input, s) = try Self.layer(c)
        var generator = SplitMix64(seed: 77)
        let others = try (0..<2).map { _ in
            try Linear(
                weight: Tensor(
                    shape: [c.outputs, c.inputs],
                    values: (0..<(c.outputs * c.inputs)).map { _ in generator.nextSymmetric() * 0.1 }),
                bias: nil)
        }
        let parts = [try Linear(weight: first.weight, bias: nil)] + others
        let stacked = try Linear.stacked(parts).converted(to: .int8, outlierChannels: c.outliers, smoothing: s)
        let pointers = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: c.rows * c.outputs) }
        defer { pointers.forEach { $0.deallocate() } }
        input.withUnsafeBufferPointer { stacked.apply($0.baseAddress!, rows: c.rows, outputs: pointers) }
        for (index, part) in parts.enumerated() {
            let separate = try part.converted(to: .int8, outlierChannels: c.outliers, smoothing: s)
            let got = Array(UnsafeBufferPointer(start: pointers[index], count: c.rows * c.outputs))
            #expect(got == OutlierChannelLinearTests.run(separate, input, rows: c.rows), "part \(index)")
        }
    }

    @Test("factors of the wrong count, zero, negative or not finite are refused by name; bf16 ignores them")
    func badFactors() throws {
        let (exact, _, s) = try Self.layer(Self.cases[0])
        for factors in [Array(s.prefix(15)), [0] + s.dropFirst(), [-1] + s.dropFirst(), [.nan] + s.dropFirst()] {
            #expect { try exact.converted(to: .int8, smoothing: factors) } throws: {
                "\($0)".contains("smoothing factors") && "\($0)".contains("[8, 16]")
            }
        }
        if let bf16 = try? exact.converted(to: .bf16, smoothing: s) {
            #expect(bf16.reduced?.isSmoothed == false)
        }
    }
}
