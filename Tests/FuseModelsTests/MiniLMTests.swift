import Foundation
import FuseModels
import FuseTestSupport
import Testing

/// The real all-MiniLM-L6-v2 against sentence-transformers' embeddings of 60 sentences
/// (tools/reference/models_minilm.py): ≤ 1e-4 max abs on the unit-normalised embeddings.
///
/// The checkpoint is not in git: `tools/setup_models.sh` puts it at `models/all-MiniLM-L6-v2/`.
@Suite("all-MiniLM-L6-v2 matches sentence-transformers")
struct MiniLMTests {
    static func modelFolder() throws -> URL {
        let folder = ModelFixtures.repositoryModels.appendingPathComponent("all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            throw ModelError.modelFolderMissing(path: folder.path, hint: "run tools/setup_models.sh to fetch it")
        }
        return folder
    }

    @Test("60 sentences in batches of 16, from the reference token ids")
    func embeddings() throws {
        let model = try EncoderModel.load(directory: Self.modelFolder())
        #expect(model.embeddingDimension == 384)
        #expect(model.towers[.text]?.pooling == .mean)
        let reference = try ModelFixtures.reference("minilm")
        let ids = try reference.intRows("ids"), mask = try reference.intRows("mask")
        let expected = try reference.tensor("embeddings")
        var worst: Float = 0
        for start in stride(from: 0, to: ids.count, by: 16) {
            let end = min(start + 16, ids.count)
            let out = try model.run(idTokens(Array(ids[start..<end]), mask: Array(mask[start..<end])), modality: .text)
            worst = max(worst, maxAbsDifference(try normalizedRows(out.embeddings), try expected.rows(start..<end)))
        }
        #expect(worst <= parityTolerance, "max abs difference \(worst)")
    }
}
