import Foundation
import FuseTestSupport
import Testing

@testable import FuseNER

/// `embed_ent_token: false` (the `fuse bench ner` model's setting): each label's vector is read at the token right
/// after its `<<ENT>>` — gliner's `extract_prompt_features` shifts `class_indices` by one — instead of at the
/// `<<ENT>>` itself. The parity fixtures all read at `<<ENT>>`; this pins the other reading on a copy of the tiny
/// fixture whose config says false (the bench compares that model's entities with gliner's on 100 texts).
@Suite struct EntityTokenReadingTests {
    @Test func labelsAreReadAfterTheirEntityToken() throws {
        let atEntity = try NERModel.load(directory: FixturePaths.url("ner/gliner-tiny"))
        let folder = try Self.copyOfFixture(embedEntityToken: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let afterEntity = try NERModel.load(directory: folder)
        #expect(atEntity.config.embedEntityToken && !afterEntity.config.embedEntityToken)

        let labels = ["person", "organization", "city of birth"]
        let prompt = try LabelPrompt(labels: labels, model: afterEntity)
        let entityPositions = prompt.ids.indices.filter { prompt.ids[$0] == afterEntity.ids.entity }
        #expect(entityPositions.count == labels.count)
        #expect(prompt.labelPositions == entityPositions.map { $0 + 1 })
        #expect(try LabelPrompt(labels: labels, model: atEntity).labelPositions == entityPositions)

        // Reading elsewhere gives other label vectors, so other span probabilities (same weights otherwise).
        let text = "Alice works at Acme Corp in Paris since 2019."
        let read = try afterEntity.extractWithSpanProbabilities([text], labels: labels).probabilities[0]
        let reference = try atEntity.extractWithSpanProbabilities([text], labels: labels).probabilities[0]
        #expect(read.count == reference.count)
        #expect(zip(read, reference).contains { abs($0 - $1) > 1e-3 })
    }

    static func copyOfFixture(embedEntityToken: Bool) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gliner-ent-\(UUID())")
        try FileManager.default.copyItem(at: FixturePaths.url("ner/gliner-tiny"), to: folder)
        let url = folder.appendingPathComponent("gliner_config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        json["embed_ent_token"] = embedEntityToken
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return folder
    }
}
