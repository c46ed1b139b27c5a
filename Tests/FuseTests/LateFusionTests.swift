import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// Late fusion against numpy (tools/reference/fusion_late.py → Tests/Fixtures/fusion/late.json).
/// Tolerance: 1e-5 max abs (float32 arithmetic against float64 numpy on unit vectors of ≤ 16 dims).
@Suite struct LateFusionTests {
    struct Case: Decodable {
        let embeddings: [[Float]]
        let user_weights: [Float]
        let tau: Float
        let mean: [Float]
        let weighted: [Float]
        let weighted_weights: [Float]
        let max: [Float]
        let concat: [Float]
        let projection_weight: [[Float]]
        let projection_bias: [Float]
        let concat_projected: [Float]
        let attention_weights: [Float]
        let attention: [Float]
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: FixtureLocation.url("fusion/late.json"))
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    static let tolerance: Float = 1e-5

    func embeddings(_ c: Case) -> [Embedding] {
        c.embeddings.enumerated().map { Embedding(vector: $1, modality: .text, modelID: "m", sources: ["in\($0)"]) }
    }

    func expectClose(_ a: [Float], _ b: [Float], _ label: String) {
        #expect(a.count == b.count, "\(label): length")
        let err = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(err <= Self.tolerance, "\(label): max abs error \(err)")
    }

    @Test(arguments: 0..<4) func strategiesMatchNumpy(index: Int) throws {
        let c = Self.cases[index]
        let inputs = embeddings(c)
        expectClose(try LateFusion.fuse(inputs, strategy: .mean).embedding.vector, c.mean, "mean")
        let weighted = try LateFusion.fuse(inputs, strategy: .weighted(c.user_weights))
        expectClose(weighted.embedding.vector, c.weighted, "weighted")
        expectClose(weighted.weights, c.weighted_weights, "weighted weights")
        expectClose(try LateFusion.fuse(inputs, strategy: .max).embedding.vector, c.max, "max")
        expectClose(try LateFusion.fuse(inputs, strategy: .concat(nil)).embedding.vector, c.concat, "concat")
        let projection = try FusionProjection(
            weight: Tensor(
                shape: [c.projection_weight.count, c.projection_weight[0].count],
                values: c.projection_weight.flatMap { $0 }),
            bias: c.projection_bias)
        expectClose(
            try LateFusion.fuse(inputs, strategy: .concat(projection)).embedding.vector,
            c.concat_projected, "concat+projection")
        let attention = try LateFusion.fuse(inputs, strategy: .attention(temperature: c.tau))
        expectClose(attention.embedding.vector, c.attention, "attention")
        expectClose(attention.weights, c.attention_weights, "attention weights")
        #expect(attention.inputs == inputs.map { $0.sources[0] })
    }

    @Test func everyStrategyReturnsAUnitVector() throws {
        let inputs = embeddings(Self.cases[1])
        for strategy: LateFusionStrategy in [
            .mean, .weighted([1, 2, 3]), .max, .concat(nil), .attention(temperature: 0.5),
        ] {
            let v = try LateFusion.fuse(inputs, strategy: strategy).embedding.vector
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5, "\(strategy.name): norm \(norm)")
        }
    }

    @Test func badInputsAreNamedErrors() throws {
        let a = Embedding(vector: [1, 0], modality: .text, modelID: "m", sources: ["a.txt"])
        let b = Embedding(vector: [0, 1, 0], modality: .image, modelID: "m", sources: ["b.png"])
        #expect(throws: FusionError.noInputs) { try LateFusion.fuse([], strategy: .mean) }
        #expect(throws: FusionError.dimensionMismatch(inputs: ["a.txt", "b.png"], dimensions: [2, 3])) {
            try LateFusion.fuse([a, b], strategy: .concat(nil))
        }
        #expect(throws: FusionError.weightCount(expected: 1, got: 2)) {
            try LateFusion.fuse([a], strategy: .weighted([1, 1]))
        }
        #expect(throws: FusionError.invalidWeights("weights must sum to a positive number, got [0.0, 0.0]")) {
            try LateFusion.fuse([a, a], strategy: .weighted([0, 0]))
        }
        let other = Embedding(vector: [1, 0], modality: .text, modelID: "other", sources: ["c.txt"])
        #expect(throws: FusionError.differentModels(["m", "other"])) {
            try LateFusion.fuse([a, other], strategy: .mean)
        }
        let projection = try FusionProjection(weight: Tensor(zeros: [2, 4]))
        #expect(throws: FusionError.projectionMismatch(expectedInput: 4, got: 5)) {
            try LateFusion.fuse([a, b], strategy: .concat(projection))
        }
    }

    @Test("concat alone combines different models: their vectors side by side, of any widths")
    func concatAcrossModels() throws {
        let text = Embedding(vector: [0.6, 0.8], modality: .text, modelID: "bert", sources: ["a.txt"])
        let sound = Embedding(vector: [0, 0, 1], modality: .audio, modelID: "hubert", sources: ["b.wav"])
        let fused = try LateFusion.fuse([text, sound], strategy: .concat(nil))
        let half = Float(0.5).squareRoot()
        #expect(maxAbsDifference(fused.embedding.vector, [0.6 * half, 0.8 * half, 0, 0, half]) <= 1e-6)
        #expect(fused.embedding.modelID == "bert+hubert")
        for strategy: LateFusionStrategy in [.mean, .max, .weighted([1, 1]), .attention(temperature: 0.1)] {
            #expect(throws: FusionError.differentModels(["bert", "hubert"])) {
                try LateFusion.fuse([text, sound], strategy: strategy)
            }
        }
    }
}
