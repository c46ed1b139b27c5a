import Foundation
import FuseCore
import FuseTestSupport
import Testing

@testable import FuseTrain

/// The training graph's backward against torch autograd (tools/reference/setfit_grads.py): a tiny random BERT,
/// a fixed padded batch, loss Σ z ⊙ R over the normalised mean-pooled embeddings z. Every parameter's gradient must
/// be within 1e-4 relative (max |ours − torch| / max |torch|); the forward's embeddings within 1e-5. torch runs in
/// float64, so the tolerance measures our fp32 against the exact gradient.
@Suite struct BERTGradientTests {
    static let folder = FixturePaths.url("setfit/tiny-bert")
    static let reference = try! SafetensorsFile(url: FixturePaths.url("setfit/grads.safetensors"))

    static func graph() throws -> BERTTrainingGraph {
        let shape = try BERTShape(config: folder.appendingPathComponent("config.json"))
        let checkpoint = try SafetensorsCheckpoint(url: folder.appendingPathComponent("model.safetensors"))
        return BERTTrainingGraph(parameters: try BERTParameters(shape: shape, checkpoint: checkpoint))
    }

    static func batch() throws -> TokenBatch {
        let ids = try reference.tensor("ids"), types = try reference.tensor("types"),
            mask = try reference.tensor("mask")
        return try TokenBatch(
            ids: ids.scalars.map { Int32($0) }, typeIDs: types.scalars.map { Int32($0) }, mask: mask.scalars,
            batch: ids.shape[0], sequence: ids.shape[1])
    }

    static let names = BERTParameters.layout(
        BERTShape(
            vocabSize: 61, maxPositions: 20, typeVocabSize: 2, hidden: 30, heads: 3, layers: 2, intermediate: 46,
            layerNormEpsilon: 1e-12)
    ).map(\.0)

    /// One forward and backward, shared by the per-parameter cases.
    static let computed: (graph: BERTTrainingGraph, embeddings: [[Float]]) = {
        let graph = try! Self.graph()
        let state = try! graph.forward(try! batch())
        let direction = try! reference.tensor("R")
        let width = direction.shape[1]
        let rows = (0..<direction.shape[0]).map { Array(direction.scalars[($0 * width)..<(($0 + 1) * width)]) }
        graph.zeroGradients()
        graph.backward(state, embeddingGradients: rows)
        return (graph, state.embeddings)
    }()

    @Test func embeddingsMatchSentenceTransformers() throws {
        let expected = try Self.reference.tensor("embeddings").scalars
        #expect(maxAbsDifference(Self.computed.embeddings.flatMap { $0 }, expected) <= 1e-5)
    }

    @Test(arguments: names)
    func gradientMatchesTorch(name: String) throws {
        let expected = try Self.reference.tensor("grad." + name).scalars
        let got = Self.computed.graph.gradients(name)
        // The key bias's true gradient is exactly 0 (it adds q·b, the same for every key of a query row, which the
        // softmax cancels): torch gives ~1e-17 and fp32 rounding ~1e-9, so it is held to its weight's scale instead.
        let scaleName =
            name.hasSuffix("attention.self.key.bias") ? name.replacingOccurrences(of: ".bias", with: ".weight") : name
        let scale = try Self.reference.tensor("grad." + scaleName).scalars.map(abs).max() ?? 0
        #expect(scale > 0, "\(name): the reference gradient is all zero, so the check would be vacuous")
        let relative = maxAbsDifference(got, expected) / scale
        #expect(relative <= 1e-4, "\(name): max |Δ| / max |grad| = \(relative)")
    }

    @Test func refusesAnIDOutsideTheVocabulary() throws {
        let graph = try Self.graph()
        let batch = try TokenBatch(sequences: [[2, 61, 3]])
        #expect(throws: SetFitError.self) { try graph.forward(batch) }
    }
}
