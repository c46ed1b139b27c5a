import CSQLite
import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import FuseIndex

/// A database file that is not a Fuse index, or a damaged one, is refused with an error naming it: never a crash,
/// never silently used or overwritten.
@Suite("FuseIndex: corrupt and foreign databases")
struct BadDatabaseTests {
    static func indexWithVectors(at url: URL, count: Int = 50) throws {
        let index = try FuseIndex(writingTo: url, modelID: "m", dimension: 8)
        try index.add(
            (0..<count).map {
                IndexEntry(
                    path: "/x/\($0)", modality: .text,
                    file: FileFacts(size: 1, modificationTime: 1, contentHash: "\($0)"),
                    vector: (0..<8).map { Float($0 + 1) / 8 })
            })
    }

    @Test("random bytes: notADatabase for readers and writers, the file untouched")
    func randomBytes() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("noise.sqlite")
        var random = SplitMix64(seed: 9)
        let bytes = Data((0..<8192).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        try bytes.write(to: url)
        #expect { try FuseIndex(readingFrom: url) } throws: { error in
            if case IndexError.notADatabase(let path, _) = error { return path == url.path }
            return false
        }
        #expect { try FuseIndex(writingTo: url, modelID: "m", dimension: 8) } throws: { error in
            if case IndexError.notADatabase = error { return true }
            return false
        }
        #expect(try Data(contentsOf: url) == bytes)
    }

    @Test("another program's SQLite database: foreignDatabase, never written")
    func foreign() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("photos.db")
        let connection = try SQLiteConnection(path: url.path, readOnly: false, create: true)
        try connection.execute(
            "CREATE TABLE albums(name TEXT); INSERT INTO albums VALUES ('summer')", operation: "test")
        let before = try Data(contentsOf: url)
        for open in [
            { _ = try FuseIndex(readingFrom: url) }, { _ = try FuseIndex(writingTo: url, modelID: "m", dimension: 8) },
        ] {
            #expect { try open() } throws: { error in
                if case IndexError.foreignDatabase(let path, let reason) = error {
                    return path == url.path && reason.contains("albums")
                }
                return false
            }
        }
        #expect(try Data(contentsOf: url) == before)
        // Same through the CLI, with the flag that gets past it.
        let run = try FuseBinary.run(["index", folder.path, "--db", url.path, "--model", IndexFixtures.meta.path])
        #expect(run.status != 0)
        #expect(run.errors.contains("Fuse did not create") && run.errors.contains("--db"))
        #expect(try Data(contentsOf: url) == before)
    }

    @Test("a vector of the wrong size, a wrong format tag, a newer version: corrupt / foreign / unsupported")
    func contradictions() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("i.sqlite")
        try Self.indexWithVectors(at: url)
        let edit = try SQLiteConnection(path: url.path, readOnly: false, create: false)
        try edit.execute("UPDATE items SET vector = x'0000803f' WHERE path = '/x/7'", operation: "test")
        #expect { try FuseIndex(readingFrom: url).search(vector: [Float](repeating: 0.3, count: 8), k: 3) } throws: {
            error in
            if case IndexError.corrupt(_, let reason) = error { return reason.contains("/x/7") }
            return false
        }
        try edit.execute("UPDATE fuse_index_meta SET value = '9' WHERE key = 'version'", operation: "test")
        #expect(throws: IndexError.unsupportedVersion(path: url.path, found: 9, supported: 1)) {
            try FuseIndex(readingFrom: url)
        }
        try edit.execute("UPDATE fuse_index_meta SET value = 'other' WHERE key = 'format'", operation: "test")
        #expect { try FuseIndex(readingFrom: url) } throws: { error in
            if case IndexError.foreignDatabase = error { return true }
            return false
        }
    }

    @Test("a Fuse index damaged at seeded offsets: an error or a correct answer, never a crash", arguments: 0..<8)
    func damaged(seed: Int) throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("i.sqlite")
        try Self.indexWithVectors(at: url, count: 400)
        var bytes = [UInt8](try Data(contentsOf: url))
        var random = SplitMix64(seed: UInt64(seed))
        if seed == 0 {
            bytes = Array(bytes.prefix(bytes.count / 2))  // truncated
        } else {
            let start = Int(random.next() % UInt64(bytes.count - 512))
            for offset in start..<(start + 512) { bytes[offset] = UInt8(truncatingIfNeeded: random.next()) }
        }
        try Data(bytes).write(to: url)
        do {
            let hits = try FuseIndex(readingFrom: url).search(vector: (0..<8).map { Float($0 + 1) / 8 }, k: 5)
            // Damage SQLite cannot see (inside a vector's bytes) may still answer; the answer then has its shape.
            #expect(hits.count <= 5)
        } catch is IndexError {
            // The expected outcome: a typed error naming the file.
        }
    }

    @Test("search with no index, and with an empty one: missing / empty, with the CLI's fix")
    func missingAndEmpty() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("none.sqlite")
        #expect(throws: IndexError.missing(path: url.path)) { try FuseIndex(readingFrom: url) }
        let run = try FuseBinary.run(["search", "cat", "--db", url.path, "--model", IndexFixtures.meta.path])
        #expect(run.status != 0 && run.errors.contains("fuse index"))
        let empty = try FuseBinary.run([
            "index", folder.path, "--db", url.path, "--model", IndexFixtures.meta.path, "--quiet",
        ])
        #expect(empty.status == 0, "\(empty.errors)")
        let none = try FuseBinary.run(["search", "cat", "--db", url.path])
        #expect(none.status != 0 && none.errors.contains("holds no vectors"))
    }
}
