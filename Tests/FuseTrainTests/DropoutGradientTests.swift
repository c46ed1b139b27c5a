import Foundation
import FuseCore
import FuseTestSupport
import Testing

@testable import FuseTrain

/// Dropout in training mode has no torch reference (its draws are Fuse's own), so its backward is checked against
/// central finite differences of the same loss (Σ z ⊙ R) with the same masks (the same seed), on the tiny BERT with
/// dropout 0.3 on both sites: the largest-gradient entry of every tensor kind within 2 % (fp32 differences).
@Suite struct DropoutGradientTests {
    static func parameters() throws -> BERTParameters {
        let folder = FixturePaths.url("setfit/tiny-bert")
        var shape = try BERTShape(config: folder.appendingPathComponent("config.json"))
        shape.hiddenDropout = 0.3
        shape.attentionDropout = 0.3
        return try BERTParameters(
            shape: shape, checkpoint: SafetensorsCheckpoint(url: folder.appendingPathComponent("model.safetensors")))
    }

    static let batch = try! TokenBatch(sequences: [[2, 17, 30, 8, 41, 3], [2, 9, 3], [2, 55, 12, 19, 3]])
    static let direction: [[Float]] = (0..<3).map { row in (0..<30).map { Float(sin(Double(row * 30 + $0) * 0.7)) } }

    /// The loss with a fresh graph seeded 7 (so every evaluation draws the same masks).
    static func loss(_ parameters: BERTParameters) throws -> Double {
        let z = try BERTTrainingGraph(parameters: parameters, dropoutSeed: 7).forward(batch, training: true).embeddings
        return zip(z, direction).reduce(0.0) { total, pair in
            total + zip(pair.0, pair.1).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
    }

    @Test(arguments: [
        "embeddings.word_embeddings.weight", "embeddings.LayerNorm.weight",
        "encoder.layer.0.attention.self.query.weight",
        "encoder.layer.0.attention.self.value.weight", "encoder.layer.1.attention.output.dense.weight",
        "encoder.layer.1.intermediate.dense.weight", "encoder.layer.1.output.dense.bias",
    ])
    func matchesFiniteDifferences(name: String) throws {
        let parameters = try Self.parameters()
        let graph = BERTTrainingGraph(parameters: parameters, dropoutSeed: 7)
        let state = try graph.forward(Self.batch, training: true)
        graph.zeroGradients()
        graph.backward(state, embeddingGradients: Self.direction)
        let gradient = graph.gradients(name)
        let index = gradient.indices.max { abs(gradient[$0]) < abs(gradient[$1]) }!
        let pointer = parameters.pointer(name) + index
        let original = pointer.pointee, step: Float = 1e-2
        pointer.pointee = original + step
        let up = try Self.loss(parameters)
        pointer.pointee = original - step
        let down = try Self.loss(parameters)
        pointer.pointee = original
        let numeric = (up - down) / Double(2 * step)
        let relative = abs(numeric - Double(gradient[index])) / max(abs(numeric), 1e-6)
        #expect(relative <= 0.02, "\(name)[\(index)]: analytic \(gradient[index]), numeric \(numeric)")
        // Not vacuous: dropout changed the output.
        let plain = try BERTTrainingGraph(parameters: parameters).forward(Self.batch).embeddings
        #expect(maxAbsDifference(plain.flatMap { $0 }, state.embeddings.flatMap { $0 }) > 1e-3)
    }
}
