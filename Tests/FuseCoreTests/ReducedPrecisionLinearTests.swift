import Foundation
import Testing
@testable import FuseCore

/// The reduced-precision linear layers (oneDNN through CFuseDNNL) against references computed here in Float64 from the
/// same rounding rules: bf16 rounds weights and inputs to nearest-even bfloat16 and accumulates exactly; int8
/// quantizes weights per output channel (symmetric, ±127, or ±63 without VNNI) and inputs per row (asymmetric u8),
/// accumulates in integers and rescales. The integer part is exact, so the int8 output must agree to float rounding
/// (relative 1e-5 of the row's scale); bf16 to 1e-4 relative (oneDNN's order of fp32 additions).
@Suite("Reduced-precision Linear (int8, bf16)")
struct ReducedPrecisionLinearTests {
    struct Case: Sendable, CustomStringConvertible {
        let rows: Int, inputs: Int, outputs: Int, seed: UInt64, bias: Bool
        var description: String { "\(rows)×\(inputs)→\(outputs) seed \(seed)\(bias ? " +bias" : "")" }
    }

    static let cases = [
        Case(rows: 1, inputs: 16, outputs: 8, seed: 1, bias: true),
        Case(rows: 7, inputs: 33, outputs: 19, seed: 2, bias: false),
        Case(rows: 24, inputs: 384, outputs: 384, seed: 3, bias: true),
        Case(rows: 197, inputs: 768, outputs: 96, seed: 4, bias: true),
        Case(rows: 5, inputs: 1, outputs: 3, seed: 5, bias: true),
    ]

    static func random(_ count: Int, _ generator: inout SplitMix64, scale: Float) -> [Float] {
        (0..<count).map { _ in generator.nextSymmetric() * scale }
    }

    static func layer(_ c: Case) throws -> (Linear, [Float]) {
        var generator = SplitMix64(seed: c.seed)
        var weights = random(c.outputs * c.inputs, &generator, scale: 0.2)
        // An outlier weight per output channel and an all-zero channel: scales must follow each channel.
        if c.outputs > 2 { weights[c.inputs + 1] = 3; for i in 0..<c.inputs { weights[2 * c.inputs + i] = 0 } }
        let bias = c.bias ? try Tensor(shape: [c.outputs], values: random(c.outputs, &generator, scale: 0.5)) : nil
        var input = random(c.rows * c.inputs, &generator, scale: 2)
        if c.rows > 1 { for i in 0..<c.inputs { input[c.inputs + i] = 0 } }  // a zero row
        input[0] = 17  // an outlier activation
        return (try Linear(weight: Tensor(shape: [c.outputs, c.inputs], values: weights), bias: bias), input)
    }

    static func run(_ linear: Linear, _ input: [Float], rows: Int) -> [Float] {
        var output = [Float](repeating: .nan, count: rows * linear.outFeatures)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { linear.apply(x.baseAddress!, rows: rows, output: $0.baseAddress!) }
        }
        return output
    }

    /// bfloat16 rounding to nearest, ties to even (as PyTorch and oneDNN round).
    static func bf16(_ value: Float) -> Double {
        let raw = value.bitPattern
        return Double(Float(bitPattern: ((raw &+ 0x7fff &+ ((raw >> 16) & 1)) >> 16) << 16))
    }

    @Test(arguments: cases)
    func bf16MatchesRoundedReference(_ c: Case) throws {
        let (exact, input) = try Self.layer(c)
        let layer: Linear
        do { layer = try exact.converted(to: .bf16) } catch let unavailable as PrecisionUnavailable {
            // CPUs without bf16 kernels: the conversion is refused by name (callers fall back to fp32).
            #expect(unavailable.description.contains("bf16 is not available"))
            return
        }
        #expect(layer.precision == .bf16)
        let got = Self.run(layer, input, rows: c.rows)
        let w = exact.weight.scalars, b = exact.bias?.scalars
        for r in 0..<c.rows {
            for n in 0..<c.outputs {
                var sum = 0.0, magnitude = 0.0
                for k in 0..<c.inputs {
                    let term = Self.bf16(input[r * c.inputs + k]) * Self.bf16(w[n * c.inputs + k])
                    sum += term
                    magnitude += abs(term)
                }
                sum += Double(b?[n] ?? 0)
                #expect(abs(Double(got[r * c.outputs + n]) - sum) <= 1e-5 * max(magnitude, 1), "\(c) [\(r), \(n)]")
            }
        }
    }

    @Test(arguments: cases)
    func int8MatchesQuantizedReference(_ c: Case) throws {
        let (exact, input) = try Self.layer(c)
        let layer = try exact.converted(to: .int8)
        #expect(layer.precision == .int8)
        let got = Self.run(layer, input, rows: c.rows)
        #expect(layer.reduced?.implementation.isEmpty == false, "the kernel that ran is reported")
        let w = exact.weight.scalars, b = exact.bias?.scalars
        for r in 0..<c.rows {
            let quantized = Int8LinearModel.activations(input[(r * c.inputs)..<((r + 1) * c.inputs)].map(Double.init))
            for n in 0..<c.outputs {
                let line = w[(n * c.inputs)..<((n + 1) * c.inputs)].map(Double.init)
                let (product, tolerance) = Int8LinearModel.product(quantized, weights: line)
                let expected = product + Double(b?[n] ?? 0)
                #expect(abs(Double(got[r * c.outputs + n]) - expected) <= tolerance, "\(c) [\(r), \(n)]")
            }
        }
        // And it approximates fp32 (relative Frobenius error): the error of 8-bit (7-bit weights without VNNI)
        // quantization, not garbage.
        let reference = Self.run(exact, input, rows: c.rows)
        let error = zip(got, reference).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
        let size = reference.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
        let bound = ComputeCapabilities.current.hasVNNI ? 0.03 : 0.06
        #expect(error <= bound * max(size, 1e-6), "\(c): relative error \(error / size) against fp32")
    }

    @Test("one layer called from 16 tasks at once with different row counts gives the sequential results")
    func concurrentCallsAgree() throws {
        for precision in [Precision.int8, .bf16] {
            let (exact, _) = try Self.layer(Case(rows: 1, inputs: 96, outputs: 80, seed: 9, bias: true))
            guard let layer = try? exact.converted(to: precision) else { continue }
            var generator = SplitMix64(seed: 10)
            let inputs = (0..<16).map { Self.random((3 + $0 % 5) * 96, &generator, scale: 1) }
            // Pinned at this CPU's widest kernels for the whole comparison: the vector-level cap is process-wide,
            // and a test of the narrower builds running meanwhile (they may round a multiply-add differently)
            // would otherwise change some of the calls' bits (seen in CI: 2e-7 on two outputs).
            let (sequential, concurrent) = Kernels.withVectorLevelCap(Kernels.vectorLevel) {
                let sequential = inputs.map { Self.run(layer, $0, rows: $0.count / 96) }
                let results = ConcurrentResults(count: inputs.count)
                DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
                    results.set(i, Self.run(layer, inputs[i], rows: inputs[i].count / 96))
                }
                return (sequential, results.values)
            }
            #expect(concurrent == sequential, "\(precision)")
        }
    }

    @Test("a call with many rows, split into per-core shares, gives the bits of one single-threaded call")
    func perCoreSharesAgree() throws {
        for precision in [Precision.int8, .bf16] {
            let (exact, _) = try Self.layer(Case(rows: 1, inputs: 96, outputs: 80, seed: 12, bias: true))
            guard let layer = try? exact.converted(to: precision) else { continue }
            var generator = SplitMix64(seed: 13)
            let rows = 197  // a ViT image: shares of 98 and 99 rows on two cores
            let input = Self.random(rows * 96, &generator, scale: 1)
            let (split, whole) = Kernels.withVectorLevelCap(Kernels.vectorLevel) {
                Kernels.setReducedPrecisionThreadsForCallingThread(max(2, Kernels.coreCount))
                let split = Self.run(layer, input, rows: rows)
                Kernels.setReducedPrecisionThreadsForCallingThread(1)
                defer { Kernels.setReducedPrecisionThreadsForCallingThread(Kernels.coreCount) }
                return (split, Self.run(layer, input, rows: rows))
            }
            #expect(split == whole, "\(precision)")
            let gelu = (0..<2).map { _ in
                var output = [Float](repeating: .nan, count: rows * 80)
                input.withUnsafeBufferPointer { x in
                    output.withUnsafeMutableBufferPointer {
                        layer.apply(x.baseAddress!, rows: rows, output: $0.baseAddress!, activation: .gelu)
                    }
                }
                return output
            }
            #expect(gelu[0] == gelu[1] && !gelu[0].contains { $0.isNaN }, "\(precision) with GELU")
        }
    }

    @Test(
        "a stacked q/k/v layer writes each part exactly as the separate layers compute it",
        arguments: [
            Precision.fp32, .int8, .bf16,
        ])
    func stackedPartsMatchSeparateLayers(_ precision: Precision) throws {
        var generator = SplitMix64(seed: 21)
        let (inputs, width, rows) = (72, 40, 37)
        let parts = try (0..<3).map { part in
            try Linear(
                weight: Tensor(shape: [width, inputs], values: Self.random(width * inputs, &generator, scale: 0.3)),
                bias: part == 1 ? nil : Tensor(shape: [width], values: Self.random(width, &generator, scale: 1)))
        }
        let input = Self.random(rows * inputs, &generator, scale: 1.5)
        guard let stacked = try? Linear.stacked(parts).converted(to: precision),
            let separate = try? parts.map({ try $0.converted(to: precision) })
        else { return }  // bf16 unavailable
        let pointers = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rows * width) }
        defer { pointers.forEach { $0.deallocate() } }
        input.withUnsafeBufferPointer { stacked.apply($0.baseAddress!, rows: rows, outputs: pointers) }
        for (part, layer) in separate.enumerated() {
            let got = Array(UnsafeBufferPointer(start: pointers[part], count: rows * width))
            #expect(got == Self.run(layer, input, rows: rows), "\(precision) part \(part)")
        }
    }

    @Test("every build of the int8/bf16 element-wise kernels (AVX-512, AVX2, baseline) agrees to float rounding")
    func narrowerBuildsAgree() throws {
        let (exact, input) = try Self.layer(Case(rows: 29, inputs: 200, outputs: 67, seed: 12, bias: true))
        for precision in [Precision.int8, .bf16] {
            guard let layer = try? exact.converted(to: precision) else { continue }
            let widest = Self.run(layer, input, rows: 29)
            for level in stride(from: Kernels.vectorLevel - 1, through: 0, by: -1) {
                let narrower = Kernels.withVectorLevelCap(level) { Self.run(layer, input, rows: 29) }
                // The same arithmetic; only whether a multiply-add is fused (one rounding or two) may differ.
                let apart = zip(narrower, widest).map { abs($0 - $1) / max(1, abs($1)) }.max()!
                #expect(apart <= 1e-5, "\(precision) build \(level) differs by \(apart) (relative)")
            }
        }
    }

    @Test("precision names parse; an unknown one is refused naming the known ones; auto resolves for this CPU")
    func precisionNames() throws {
        #expect(try Precision(name: "INT8") == .int8)
        #expect { try Precision(name: "fp16") } throws: { "\($0)".contains("fp32, bf16, int8, auto") }
        let cpu = ComputeCapabilities.current
        #expect(Precision.auto.resolved == (cpu.hasVNNI ? .int8 : cpu.hasNativeBF16 ? .bf16 : .fp32))
        #expect(Precision.fp32.resolved == .fp32 && Precision.bf16.resolved == .bf16)
        let (exact, _) = try Self.layer(Case(rows: 1, inputs: 8, outputs: 4, seed: 3, bias: false))
        #expect(try exact.converted(to: .fp32).reduced == nil)
    }
}

/// Results written by concurrent iterations, one slot each.
private final class ConcurrentResults: @unchecked Sendable {
    // @unchecked: every iteration writes only its own slot, under the lock.
    private let lock = NSLock()
    private var slots: [[Float]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ index: Int, _ value: [Float]) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
