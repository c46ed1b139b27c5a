import Foundation
import FuseCore
import Testing
@testable import Fuse
@testable import FuseIndex

/// A plugin registered at run time: `.feat` files of rows of 4 numbers, read as `tabular` features.
struct FeatureRowsPlugin: ModalityPlugin {
    let id = "test-feature-rows"
    let modality = Modality("tabular")
    let claims = PluginClaims(extensions: ["feat"])

    func decode(contentsOf url: URL) throws -> Sample {
        let values = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isWhitespace).map {
            guard let value = Float($0) else {
                throw FuseError.unsupportedSample(plugin: id, reason: "'\($0)' in \(url.path)")
            }
            return value
        }
        guard !values.isEmpty, values.count % 4 == 0 else {
            throw FuseError.unsupportedSample(plugin: id, reason: "\(url.path) needs rows of 4 numbers")
        }
        return .features(try Tensor(shape: [values.count / 4, 4], values: values), modality: modality)
    }

    func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] {
        guard case .features(let tensor, _) = sample else {
            throw FuseError.unsupportedSample(plugin: id, reason: "expects features")
        }
        return [try Tokens(modality: modality, content: .features(tensor))]
    }
}

/// The library path without the CLI, with a modality only a run-time plugin knows.
@Suite("FuseIndex: a plugin registered at run time")
struct RuntimePluginIndexTests {
    @Test("Indexer and search over a run-time plugin's files (meta-tabular fixture), equal to runtime.embed(file:)")
    func runtimePlugin() async throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for index in 0..<6 {
            let rows = (0..<3).map { row in
                (0..<4).map { String(Float(index * 7 + row * 3 + $0) / 10) }.joined(separator: " ")
            }
            try rows.joined(separator: "\n").write(
                to: data.appendingPathComponent("t\(index).feat"), atomically: true,
                encoding: .utf8)
        }
        try "ignored".write(to: data.appendingPathComponent("readme.md"), atomically: true, encoding: .utf8)
        let runtime = try FuseRuntime(modelDirectory: IndexFixtures.models.appendingPathComponent("meta-tabular"))
        try runtime.register(FeatureRowsPlugin())
        let index = try FuseIndex(writingTo: folder.appendingPathComponent("i.sqlite"), runtime: runtime)
        let report = try await Indexer(runtime: runtime, index: index, batchSize: 4).run(FolderWalk(roots: [data]))
        #expect(report.added == 6 && report.total == 6 && report.failed == 0)
        #expect(report.skipped == 1, "readme.md: the text plugin claims it, the model has no text tower")
        let query = data.appendingPathComponent("t3.feat")
        let expected = try await runtime.embed(file: query)
        let stored = try #require(try index.entry(path: query.path)?.vector)
        #expect(zip(stored, expected.vector).allSatisfy { abs($0 - $1) < 1e-5 }, "batched vs single, tolerance 1e-5")
        let hits = try await index.search(SearchQuery(arguments: [query.path]), runtime: runtime, k: 6)
        #expect(hits.first?.path == query.path && hits.first?.modality == Modality("tabular"))
        #expect(hits.count == 6)
        #expect(abs(hits[0].score - 1) < 1e-5)
    }
}
