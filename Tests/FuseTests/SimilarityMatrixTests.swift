import Foundation
import Testing
@testable import Fuse

@Suite struct SimilarityMatrixTests {
    let embeddings = [
        Embedding(vector: [1, 0, 0], modality: .image, modelID: "m", sources: ["cat.png"]),
        Embedding(vector: [0.8, 0.6, 0], modality: .text, modelID: "m", sources: ["cat.txt"]),
        Embedding(vector: [0, 0, 1], modality: .audio, modelID: "m", sources: ["tone.flac"]),
    ]

    @Test func valuesAreCosinesAndSymmetric() throws {
        let m = try SimilarityMatrix(embeddings: embeddings, labels: ["cat.png", "cat.txt", "tone.flac"])
        #expect(abs(m[0, 1] - 0.8) < 1e-6 && abs(m[1, 0] - 0.8) < 1e-6)
        #expect(abs(m[0, 2]) < 1e-6 && abs(m[2, 2] - 1) < 1e-6)
        #expect(m.nearestNeighbours()[0] == 1 && m.nearestNeighbours()[1] == 0)
    }

    @Test func tableIsAligned() throws {
        let m = try SimilarityMatrix(embeddings: embeddings, labels: ["cat.png", "cat.txt", "tone.flac"])
        let lines = m.table().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(Set(lines.map(\.count)).count == 1, "every line has the same width:\n\(m.table())")
        #expect(lines[1].contains("cat.png") && lines[1].contains("0.800"))
    }

    @Test func heatmapIsAPNGAndIsNotOverwrittenUnlessForced() throws {
        let m = try SimilarityMatrix(embeddings: embeddings, labels: ["cat.png", "cat.txt", "tone.flac"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-heatmap-\(UUID()).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try m.writeHeatmap(to: url, overwrite: false)
        let bytes = [UInt8](try Data(contentsOf: url))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
        #expect(width > 3 * 44)
        #expect(throws: FuseError.outputExists(path: url.path)) { try m.writeHeatmap(to: url, overwrite: false) }
        try m.writeHeatmap(to: url, overwrite: true)
    }
}
