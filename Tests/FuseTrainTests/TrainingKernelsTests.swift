import Foundation
import FuseCore
import FuseTestSupport
import Testing

@testable import FuseTrain

/// The speed work under the training graph, each checked against what it replaced: the C kernels' narrower builds
/// against torch's gradients (tools/reference/setfit_grads.py, 1e-4 relative, as BERTGradientTests), dropout masks
/// filled in parallel against the generator drawn one element at a time, the optimiser's skipping of untouched
/// word-embedding rows against the full update, and reused activation buffers against fresh ones.
@Suite struct TrainingKernelsTests {
    static func parameters() throws -> BERTParameters {
        let folder = FixturePaths.url("setfit/tiny-bert")
        let shape = try BERTShape(config: folder.appendingPathComponent("config.json"))
        return try BERTParameters(
            shape: shape, checkpoint: SafetensorsCheckpoint(url: folder.appendingPathComponent("model.safetensors")))
    }

    @Test(
        "every build of the training kernels (baseline x86-64, AVX2, AVX-512) gives torch's gradients",
        arguments: [0, 1, 2])
    func narrowerBuildsMatchTorch(level: Int) throws {
        let reference = BERTGradientTests.reference
        let direction = try reference.tensor("R")
        let width = direction.shape[1]
        let rows = (0..<direction.shape[0]).map { Array(direction.scalars[($0 * width)..<(($0 + 1) * width)]) }
        let graph = BERTTrainingGraph(parameters: try Self.parameters())
        let ran = try Kernels.withVectorLevelCap(level) { () throws -> Int in
            let state = try graph.forward(try BERTGradientTests.batch())
            graph.zeroGradients()
            graph.backward(state, embeddingGradients: rows)
            return Kernels.vectorLevel
        }
        #expect(ran <= level)
        for name in BERTGradientTests.names where !name.hasSuffix("attention.self.key.bias") {
            let expected = try reference.tensor("grad." + name).scalars
            let scale = expected.map(abs).max() ?? 0
            let relative = maxAbsDifference(graph.gradients(name), expected) / scale
            #expect(relative <= 1e-4, "level \(level), \(name): max |Δ| / max |grad| = \(relative)")
        }
    }

    @Test("dropout masks filled chunk by chunk equal SplitMix64 drawn once per element", arguments: [1, 17, 40_000])
    func dropoutMasksMatchSequentialDraws(count: Int) {
        let probability: Float = 0.3
        var sequential = SplitMix64(seed: 99)
        let expected = (0..<(count + 5)).map { _ in
            Float(sequential.nextUnit()) < probability ? 0 : 1 / (1 - probability)
        }
        var random = SplitMix64(seed: 99)
        let mask = FloatBuffer(count: count + 5)
        DropoutPass.drawMask(mask.pointer, count: count, probability: probability, random: &random)
        // The stream continues where the first mask stopped.
        DropoutPass.drawMask(mask.pointer + count, count: 5, probability: probability, random: &random)
        #expect(mask.array == expected)
        #expect(random.state == sequential.state)
        #expect(Set(expected) == [0, 1 / (1 - probability)] || count < 17)
    }

    @Test("AdamW's decay-only update of untouched word rows equals the full update; so does the skipping norm")
    func sparseWordRowsMatchTheFullUpdate() throws {
        let batches = [
            try TokenBatch(sequences: [[2, 17, 30, 8, 41, 3], [2, 9, 3]]),
            try TokenBatch(sequences: [[2, 55, 12, 19, 3]]),
            try TokenBatch(sequences: [[2, 9, 30, 3], [2, 44, 3]]),
        ]
        let direction: [[Float]] = (0..<2).map { row in (0..<30).map { Float(cos(Double(row * 30 + $0) * 0.3)) } }
        let full = try Self.parameters(), skipping = try Self.parameters()
        let fullGraph = BERTTrainingGraph(parameters: full), skippingGraph = BERTTrainingGraph(parameters: skipping)
        let fullOptimizer = AdamW(parameters: full), skippingOptimizer = AdamW(parameters: skipping)
        for batch in batches {
            for graph in [fullGraph, skippingGraph] {
                graph.zeroGradients()
                graph.backward(try graph.forward(batch), embeddingGradients: direction)
            }
            let exact = fullGraph.gradientBuffer.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(Double(skippingGraph.gradientNorm()) - exact) <= 1e-6 * exact)
            fullOptimizer.update(gradients: fullGraph.gradientBuffer, learningRate: 1e-2, gradientScale: 0.5)
            skippingOptimizer.update(
                gradients: skippingGraph.gradientBuffer, learningRate: 1e-2, gradientScale: 0.5, zeroGradients: true,
                sparse: (skippingGraph.wordSlot, skippingGraph.wordRowsWithGradient))
            skippingGraph.gradientsAreZero = true
            #expect(skippingGraph.gradientBuffer.array.allSatisfy { $0 == 0 })
        }
        #expect(skippingGraph.wordRowsWithGradient.list.sorted() == [2, 3, 8, 9, 12, 17, 19, 30, 41, 44, 55])
        for slot in full.slots {
            let difference = maxAbsDifference(full.values(slot.name), skipping.values(slot.name))
            #expect(difference <= 1e-7, "\(slot.name): \(difference)")
        }
        // Not vacuous: row 17 (touched in the first batch only) kept moving through its moments, and an untouched
        // row decayed by (1 − lr·λ)³ and nothing else.
        let start = try Self.parameters()
        let word = "embeddings.word_embeddings.weight"
        #expect(maxAbsDifference(Array(full.values(word)[510..<540]), Array(start.values(word)[510..<540])) > 1e-3)
        let untouched = Double(full.values(word)[60 * 30]), original = Double(start.values(word)[60 * 30])
        #expect(abs(untouched - original) >= 2e-4 * abs(original))
        #expect(abs(untouched - original * pow(1 - 1e-4, 3)) <= 1e-7)
    }

    @Test("reused activation buffers give fresh buffers' embeddings, and never overwrite a state still held")
    func reusedBuffersMatchFreshOnes() throws {
        let large = try TokenBatch(sequences: [[2, 17, 30, 8, 41, 3], [2, 9, 3], [2, 55, 12, 19, 3]])
        let small = try TokenBatch(sequences: [[2, 44, 3]])
        let parameters = try Self.parameters()
        let graph = BERTTrainingGraph(parameters: parameters)
        let first = try graph.forward(large).embeddings
        let smaller = try graph.forward(small).embeddings
        let again = try graph.forward(large).embeddings
        #expect(first == again)
        #expect(smaller == (try BERTTrainingGraph(parameters: parameters).forward(small).embeddings))
        let held = try graph.forward(large)
        _ = try graph.forward(small)
        #expect(held.embeddings == first)
        #expect(first.count == 3 && smaller.count == 1)
    }
}
