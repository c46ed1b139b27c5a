import Foundation
import FuseCore
import Testing
@testable import FuseIndex

/// FuseIndex used as a library, on seeded synthetic vectors: its top-k equals a brute-force cosine ranking.
@Suite("FuseIndex: add, remove, search")
struct IndexLibraryTests {
    /// `count` seeded unit vectors of `dimension` components.
    static func vectors(_ count: Int, _ dimension: Int, seed: UInt64) -> [[Float]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let raw = (0..<dimension).map { _ in Float(random.nextUnit()) * 2 - 1 }
            let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return raw.map { $0 / norm }
        }
    }

    static func entry(_ index: Int, _ vector: [Float], modality: Modality = .image) -> IndexEntry {
        IndexEntry(
            path: "/data/\(index)", modality: modality,
            file: FileFacts(size: Int64(index), modificationTime: 7, contentHash: "h\(index)"), vector: vector)
    }

    /// Indices of the `k` best cosine scores (ties by lower index), computed the slow way.
    static func bruteForce(
        _ stored: [[Float]], _ query: [Float], k: Int, allowed: (Int) -> Bool = { _ in true }
    )
        -> [Int]
    {
        stored.indices.filter(allowed).map { ($0, IndexFixtures.cosine(stored[$0], query)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k).map(\.0)
    }

    @Test("float32 top-k equals brute-force cosine (2 000 × 48-d, 20 queries, scores within 1e-5)")
    func float32Ranking() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stored = Self.vectors(2000, 48, seed: 1)
        let index = try FuseIndex(writingTo: folder.appendingPathComponent("i.sqlite"), modelID: "m", dimension: 48)
        try index.add(stored.enumerated().map { Self.entry($0.offset, $0.element) })
        for query in Self.vectors(20, 48, seed: 2) {
            let hits = try index.search(vector: query, k: 10)
            #expect(hits.map(\.path) == Self.bruteForce(stored, query, k: 10).map { "/data/\($0)" })
            for hit in hits {
                let row = Int(hit.path.split(separator: "/").last!)!
                #expect(abs(hit.score - IndexFixtures.cosine(stored[row], query)) < 1e-5)
            }
        }
        // A large k takes the score-everything-then-sort path; k beyond the count returns every row.
        let query = Self.vectors(1, 48, seed: 9)[0]
        #expect(
            try index.search(vector: query, k: 500).map(\.path)
                == Self.bruteForce(stored, query, k: 500).map { "/data/\($0)" })
        #expect(try index.search(vector: query, k: Int.max).count == 2000)
        #expect(try index.search(vector: query, k: 0).isEmpty)
    }

    @Test("int8 top-1 equals float32's for ≥ 19 of 20 queries, and its top-10 overlaps float32's in ≥ 8")
    func int8Ranking() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stored = Self.vectors(5000, 64, seed: 3)
        let url = folder.appendingPathComponent("i.sqlite")
        try FuseIndex(writingTo: url, modelID: "m", dimension: 64)
            .add(stored.enumerated().map { Self.entry($0.offset, $0.element) })
        let exact = try FuseIndex(readingFrom: url), small = try FuseIndex(readingFrom: url, precision: .int8)
        var sameTop = 0
        // Queries near stored vectors, so the best match is clear, as in a real search.
        let noise = Self.vectors(20, 64, seed: 4)
        for (offset, jitter) in noise.enumerated() {
            let query = zip(stored[offset * 97], jitter).map { $0 + 0.5 * $1 }
            let a = try exact.search(vector: query, k: 10), b = try small.search(vector: query, k: 10)
            if a.first?.path == b.first?.path { sameTop += 1 }
            #expect(Set(a.map(\.path)).intersection(b.map(\.path)).count >= 8)
            #expect(
                zip(a, b).allSatisfy { abs($0.score - $1.score) < 0.05 * max(1, abs($0.score)) || $0.path != $1.path })
        }
        #expect(sameTop >= 19)
    }

    @Test("modality filter, remove, replace, and a reader that sees another connection's writes")
    func filterRemoveReload() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("i.sqlite")
        let stored = Self.vectors(300, 16, seed: 5)
        let writer = try FuseIndex(writingTo: url, modelID: "m", dimension: 16)
        try writer.add(
            stored.enumerated().map {
                Self.entry($0.offset, $0.element, modality: $0.offset % 3 == 0 ? .audio : .image)
            })
        let reader = try FuseIndex(readingFrom: url)
        let query = stored[42]
        let audio = try reader.search(vector: query, k: 5, modality: .audio)
        #expect(
            audio.map(\.path) == Self.bruteForce(stored, query, k: 5, allowed: { $0 % 3 == 0 }).map { "/data/\($0)" })
        #expect(try reader.search(vector: query, k: 5, modality: Modality("tabular")).isEmpty)
        #expect(try reader.search(vector: query, k: 1).first?.path == "/data/42")
        try writer.remove(paths: ["/data/42"])
        #expect(try reader.search(vector: query, k: 1).first?.path != "/data/42", "the reader reloads after a commit")
        try writer.add([Self.entry(42, stored[7])])
        #expect(try reader.search(vector: stored[7], k: 2).map(\.path).sorted() == ["/data/42", "/data/7"])
        #expect(try reader.counts().current == 300)
        #expect(throws: IndexError.dimensionMismatch(path: url.path, indexed: 16, query: 3)) {
            try reader.search(vector: [1, 0, 0], k: 1)
        }
    }

    @Test("TopK keeps the best k, best first, ties by lower row")
    func topK() {
        var best = TopK(k: 3)
        for (row, score) in [Float(0.5), 0.9, 0.5, 0.1, 0.9, 0.7].enumerated() { best.offer(score, row: row) }
        #expect(best.rows == [1, 4, 5])
        #expect(best.scores == [0.9, 0.9, 0.7])
    }

    @Test(
        "ContentHash of a file equals the hash of its bytes, across chunk boundaries",
        arguments: [0, 1, 7, 8, 4097, 1 << 20, (1 << 20) + 3, (2 << 20) + 9])
    func contentHash(size: Int) throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = SplitMix64(seed: UInt64(size))
        let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let file = folder.appendingPathComponent("f")
        try Data(bytes).write(to: file)
        let hash = try ContentHash.of(path: file.path)
        #expect(hash == ContentHash.of(bytes: bytes))
        #expect(hash.count == 32)
        if size > 0 {
            var changed = bytes
            changed[size / 2] ^= 1
            #expect(ContentHash.of(bytes: changed) != hash)
            #expect(ContentHash.of(bytes: bytes + [0]) != hash, "a trailing zero byte changes the hash")
        }
    }
}
