import Foundation
import FuseCore
import Testing
@testable import Fuse

/// The main job's "nearest description" tally: ranks, hits and the chance levels, computed by hand for small
/// hand-made spaces.
@Suite("Description retrieval in the job report")
struct DescriptionRetrievalTests {
    static func record(
        _ label: String, _ modality: Modality, _ vector: [Float], group: String?,
        fusion: FusionMode = .none
    ) -> JobRecord {
        JobRecord(
            id: label, label: label, inputs: [JobInput(path: "/s/\(label)", modality: modality, pluginID: "p")],
            fusion: fusion, strategy: nil, weights: [1],
            embedding: Embedding(vector: vector, modality: modality, modelID: "m"), group: group)
    }

    @Test("ranks, hits and chance for three described groups and one undescribed")
    func tally() throws {
        let records = [
            Self.record("a.txt", .text, [1, 0, 0], group: "a"),
            Self.record("b.txt", .text, [0, 1, 0], group: "b"),
            Self.record("c.txt", .text, [0, 0, 1], group: "c"),
            Self.record("a.png", .image, [0.9, 0.1, 0], group: "a"),  // own first
            Self.record("b.wav", .audio, [0.8, 0.5, 0.1], group: "b"),  // a.txt first, own second
            Self.record("c.png", .image, [0.7, 0.6, 0.2], group: "c"),  // own third
            Self.record("d.png", .image, [1, 1, 1], group: "d"),  // no description: not counted
        ]
        let retrieval = try #require(DescriptionRetrieval(records: records))
        #expect(retrieval.matches.map(\.label) == ["a.png", "b.wav", "c.png"])
        #expect(retrieval.matches.map(\.ownRank) == [1, 2, 3])
        #expect(retrieval.matches.map(\.nearest) == ["a.txt", "a.txt", "a.txt"])
        #expect(retrieval.hits == 1)
        #expect(abs(retrieval.chanceHits - 1.0) < 1e-12)  // 3 × 1/3
        #expect(abs(retrieval.meanOwnRank - 2.0) < 1e-12)
        #expect(abs(retrieval.chanceMeanRank - 2.0) < 1e-12)  // (3 + 1) / (1 + 1)
        let table = retrieval.table()
        #expect(table.contains("a.png → a.txt 0.994  own ✓"))
        #expect(table.contains("c.png → a.txt 0.742  own ranks 3 of 3"))
        #expect(table.contains("own description nearest for 1 of 3 (chance: 1.0, so 1.0× chance)"))
    }

    @Test("a group with two descriptions: the better one counts, chance is 2/T")
    func twoOwnDescriptions() throws {
        let records = [
            Self.record("a1.txt", .text, [1, 0], group: "a"),
            Self.record("a2.txt", .text, [0.6, 0.8], group: "a"),
            Self.record("b.txt", .text, [0, 1], group: "b"),
            Self.record("a.png", .image, [0.1, 1], group: "a"),  // b.txt first, a2.txt second
        ]
        let retrieval = try #require(DescriptionRetrieval(records: records))
        #expect(retrieval.matches.first?.ownRank == 2)
        #expect(retrieval.matches.first?.ownCandidates == 2)
        #expect(abs(retrieval.chanceHits - 2.0 / 3.0) < 1e-12)
        #expect(abs(retrieval.chanceMeanRank - 4.0 / 3.0) < 1e-12)
    }

    @Test("no tally for fused outputs, ungrouped inputs, or a single described group")
    func notApplicable() {
        let text = Self.record("a.txt", .text, [1, 0], group: "a")
        let image = Self.record("a.png", .image, [1, 0], group: "a")
        #expect(DescriptionRetrieval(records: [text, image]) == nil)
        #expect(DescriptionRetrieval(records: [text, Self.record("b.txt", .text, [0, 1], group: nil), image]) == nil)
        #expect(
            DescriptionRetrieval(records: [
                text, Self.record("b.txt", .text, [0, 1], group: "b"),
                Self.record("g", .image, [1, 1], group: "g", fusion: .late),
            ]) == nil)
    }
}
