import Foundation
import FuseCore
import FuseTestSupport
import Testing

@testable import FuseModels

/// Whisper in bf16 and int8 (`WhisperModel.converted(to:)`) against transformers' fp32 record of the tiny random
/// checkpoints (tools/reference/models_whisper.py): the accuracy contract of docs/SPEECH.md — encoder states at cosine
/// ≥ 0.999, teacher-forced decoder logits at cosine ≥ 0.999 per position. And the decoder's step kernel
/// (`fuse_rows_gemm_*`) against a plain product with the same stored weights, in every vector build.
@Suite("Whisper in reduced precision")
struct WhisperPrecisionTests {
    static let cases: [(String, Precision)] = WhisperParityTests.fixtures.flatMap { [($0, .bf16), ($0, .int8)] }

    static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var dot = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            aa += Double(x) * Double(x)
            bb += Double(y) * Double(y)
        }
        return aa == 0 && bb == 0 ? 1 : dot / (aa.squareRoot() * bb.squareRoot())
    }

    @Test("encoder states and teacher-forced logits: cosine ≥ 0.999 to transformers' fp32", arguments: cases)
    func contract(_ name: String, _ precision: Precision) throws {
        let model = try WhisperModel.load(directory: ModelFixtures.folder(name), precision: precision)
        try #require(model.precisionNote == nil, "\(precision) unavailable: \(model.precisionNote ?? "")")
        #expect(model.precision == precision)
        let reference = try ModelFixtures.reference(name)
        for index in 0..<WhisperParityTests.inputCount {
            let features = try WhisperParityTests.timeMajor(reference.tensor("mel_\(index)"))
            let encoded = try model.encode(features)
            let expected = try reference.tensor("encoder_\(index)").scalars
            let encoderCosine = Self.cosine(encoded.scalars[...], expected[...])
            #expect(encoderCosine >= 0.999, "\(name) \(precision) input \(index) encoder cosine \(encoderCosine)")
            let ids = try WhisperParityTests.ids(reference, "decoder_input_\(index)")
            let logits = try model.decode(
                ids, cache: model.makeCache(), cross: model.crossCache(encoded), logitRows: ids.count
            ).scalars
            let wanted = try reference.tensor("logits_\(index)").scalars
            let vocab = model.config.vocabSize
            for row in 0..<ids.count {
                let part = (row * vocab)..<((row + 1) * vocab)
                let logitCosine = Self.cosine(logits[part], wanted[part])
                #expect(logitCosine >= 0.999, "\(name) \(precision) input \(index) row \(row) logits \(logitCosine)")
            }
        }
    }

    /// `x · Wᵀ + b` in float64 with the weights the layer stores (rounded to bf16, or int8 times the row scale).
    static func expected(_ layer: WhisperStepLinear, _ x: [Float], rows: Int) -> [Float] {
        let (n, k) = (layer.outFeatures, layer.inFeatures)
        let bias = layer.linear.bias?.scalars ?? [Float](repeating: 0, count: n)
        let fp32 = layer.linear.weight.scalars
        func weight(_ c: Int, _ j: Int) -> Double {
            switch layer.weights {
            case .fp32: return Double(fp32[c * k + j])
            case .bf16(let bits): return Double(Float(bitPattern: UInt32(bits[c * k + j]) << 16))
            case .int8(let values, let scales): return Double(scales[c]) * Double(values[c * k + j])
            }
        }
        return (0..<(rows * n)).map { at in
            let (r, c) = (at / n, at % n)
            return Float((0..<k).reduce(Double(bias[c])) { $0 + Double(x[r * k + $1]) * weight(c, $1) })
        }
    }

    @Test(
        "the step kernel equals a plain product with its stored weights (fp32, bf16, int8; every vector build)",
        arguments: [Precision.fp32, .bf16, .int8])
    func stepKernel(_ precision: Precision) throws {
        var random = SplitMix64(seed: 26)
        // Odd sizes: a k that is not a multiple of 16, more rows than one group of four, columns split over cores.
        let (n, k) = (301, 389)
        let weight = try Tensor(shape: [n, k], values: (0..<(n * k)).map { _ in random.nextSymmetric() / 2 })
        let bias = try Tensor(shape: [n], values: (0..<n).map { _ in Float(random.nextUnit()) })
        let layer = WhisperStepLinear(try Linear(weight: weight, bias: bias), precision: precision, releaseFP32: false)
        for rows in [1, 5] {
            let x = (0..<(rows * k)).map { _ in random.nextSymmetric() }
            let want = Self.expected(layer, x, rows: rows)
            for level in 0...Kernels.vectorLevel {
                let got = Kernels.withVectorLevelCap(level) {
                    [Float](unsafeUninitializedCapacity: rows * n) { buffer, count in
                        x.withUnsafeBufferPointer {
                            layer.apply($0.baseAddress!, rows: rows, output: buffer.baseAddress!)
                        }
                        count = rows * n
                    }
                }
                #expect(maxAbsDifference(got, want) <= 1e-4, "\(precision) rows \(rows) vector level \(level)")
            }
        }
    }
}
