import Foundation
import Testing
import FuseCore
@testable import FuseLENS

/// Issue 17: a cache file whose rows were swapped loaded silently (names, model, template and shape all matched),
/// although docs/LENS.md says a tampered file is never trusted. The file now carries a SHA-256 digest of its
/// vectors in vocabulary order, checked on load.
@Suite struct VocabularyCacheDigestTests {
    let vocabulary: DescriptorVocabulary
    let cache: VocabularyCache

    init() throws {
        vocabulary = try DescriptorVocabulary(name: "v.txt", lines: ["cat", "dog", "bird"])
        cache = VocabularyCache(
            directory: FileManager.default.temporaryDirectory
                .appendingPathComponent("fuse-lens-digest-\(UUID().uuidString)"))
    }

    /// Rewrites the cache file with `change` applied to its rows and `edit` to its metadata.
    func tamper(
        _ url: URL, rows change: ([[Float]]) -> [[Float]],
        metadata edit: ([String: String]) -> [String: String] = { $0 }
    ) throws {
        let file = try SafetensorsFile(url: url)
        let tensor = try file.tensor("embeddings")
        let width = tensor.shape[1]
        let values = tensor.scalars
        let rows = stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
        let metadata = edit(file.metadata)
        let changed = try Tensor(shape: tensor.shape, values: change(rows).flatMap { $0 })
        try SafetensorsWriter.write(["embeddings": changed], metadata: metadata, to: url, overwrite: true)
    }

    func load(_ embedder: CountingEmbedder) async throws -> (Tensor, [String]) {
        let reasons = Reasons()
        let tensor = try await cache.embeddings(for: vocabulary, template: "{}", embedder: embedder) { event in
            if case .rebuiltCorrupt(_, let reason) = event { reasons.append(reason) }
        }
        return (tensor, reasons.values)
    }

    @Test("a cache whose rows were swapped is not trusted: rebuilt, and the reason says why")
    func swappedRowsAreRebuilt() async throws {
        let embedder = CountingEmbedder(modelID: "m")
        let (good, _) = try await load(embedder)
        let url = cache.fileURL(for: vocabulary, modelID: "m", template: "{}")
        try tamper(url, rows: { rows in [rows[1], rows[0], rows[2]] })
        let (rebuilt, reasons) = try await load(embedder)
        #expect(embedder.textCalls == 2)
        #expect(rebuilt.scalars == good.scalars)
        #expect(reasons.count == 1 && reasons[0].contains("SHA-256 digest"), "\(reasons)")
        // The rebuilt file is trusted again.
        _ = try await load(embedder)
        #expect(embedder.textCalls == 2)
    }

    @Test("one edited value, or a file without a digest, is not trusted either")
    func editedOrUndigestedIsRebuilt() async throws {
        let embedder = CountingEmbedder(modelID: "m")
        _ = try await load(embedder)
        let url = cache.fileURL(for: vocabulary, modelID: "m", template: "{}")
        try tamper(
            url,
            rows: { rows in
                var rows = rows
                rows[2][3] = rows[2][3].nextUp
                return rows
            })
        let (_, edited) = try await load(embedder)
        #expect(embedder.textCalls == 2 && edited.count == 1)
        try tamper(url, rows: { $0 }, metadata: { $0.filter { $0.key != "sha256" } })
        let (_, undigested) = try await load(embedder)
        #expect(embedder.textCalls == 3 && undigested.count == 1 && undigested[0].contains("no sha256 digest"))
    }

    @Test("the digest depends on row order, entries, model and template")
    func digestCoversOrderAndNames() throws {
        let a = try Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let swapped = try Tensor(shape: [2, 2], values: [3, 4, 1, 2])
        let base = VocabularyCache.digest(a, entries: ["x", "y"], modelID: "m", template: "{}")
        #expect(base.count == 64)
        #expect(base != VocabularyCache.digest(swapped, entries: ["x", "y"], modelID: "m", template: "{}"))
        #expect(base != VocabularyCache.digest(a, entries: ["y", "x"], modelID: "m", template: "{}"))
        #expect(base != VocabularyCache.digest(a, entries: ["x", "y"], modelID: "n", template: "{}"))
        #expect(base != VocabularyCache.digest(a, entries: ["x", "y"], modelID: "m", template: "a {}"))
        #expect(base != VocabularyCache.digest(a, entries: ["xy", ""], modelID: "m", template: "{}"))
    }
}

/// Reasons reported by `onEvent`, collected across the callback's threads.
private final class Reasons: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ reason: String) { lock.withLock { list.append(reason) } }
    var values: [String] { lock.withLock { list } }
}
