import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import FuseIndex

/// `fuse index` run after run on a changing folder of the samples, through the built binary: each change is counted
/// as rclip counts it, and nothing is re-embedded that need not be.
@Suite("fuse index: incremental runs")
struct IncrementalIndexTests {
    @Test("add, unchanged, touch, edit, rename, delete, exclude, then a model change re-embeds everything")
    func incremental() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try IndexFixtures.copySamples(into: folder)
        let db = folder.appendingPathComponent(".fuse-index.sqlite")
        func counts(_ run: (report: [String: Int], run: FuseBinary.Run)) -> [String: Int] {
            #expect(run.run.status == 0, "\(run.run.errors)")
            return run.report
        }

        let first = counts(try IndexFixtures.index([folder]))
        #expect(first["added"] == 21 && first["total"] == 21 && first["failed"] == 0 && first["updated"] == 0)
        #expect(FileManager.default.fileExists(atPath: db.path), "default --db: .fuse-index.sqlite in the folder")
        let original = try IndexFixtures.rows(db)

        let again = counts(try IndexFixtures.index([folder]))
        #expect(again["unchanged"] == 21 && again["added"] == 0 && again["updated"] == 0 && again["total"] == 21)

        // Touch: same contents, new time → unchanged, the time refreshed so the next run skips it by time alone.
        let cat = folder.appendingPathComponent("images/cat.png")
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
            ofItemAtPath: cat.path)
        let touched = counts(try IndexFixtures.index([folder]))
        #expect(touched["unchanged"] == 21 && touched["updated"] == 0)
        #expect(
            try FuseIndex(readingFrom: db).records().first { $0.path == cat.path }?.file.modificationTime
                == 1_000_000 * 1_000_000_000)

        // Edit: new contents at the same path → updated (re-embedded: the vector changes).
        let note = folder.appendingPathComponent("text/cat.txt")
        try "A completely different sentence about rockets.".write(to: note, atomically: true, encoding: .utf8)
        let edited = counts(try IndexFixtures.index([folder]))
        #expect(edited["updated"] == 1 && edited["unchanged"] == 20)
        let before = original.first { $0.record.path == note.path }!.vector
        let after = try FuseIndex(readingFrom: db).entry(path: note.path)!.vector
        #expect(before != after)

        // Rename and move into a new folder: recognised by contents, the vector kept (not re-embedded).
        let horse = folder.appendingPathComponent("images/horse.png")
        let moved = folder.appendingPathComponent("archive/old-horse.png")
        try FileManager.default.createDirectory(
            at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: horse, to: moved)
        let renamed = counts(try IndexFixtures.index([folder]))
        #expect(renamed["moved"] == 1 && renamed["added"] == 0 && renamed["removed"] == 0 && renamed["total"] == 21)
        #expect(
            try FuseIndex(readingFrom: db).entry(path: moved.path)?.vector
                == original.first { $0.record.path == horse.path }!.vector)
        #expect(try FuseIndex(readingFrom: db).entry(path: horse.path) == nil)

        // Delete, and exclude a folder: both leave the index.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("audio/cat.wav"))
        let deleted = counts(try IndexFixtures.index([folder], extra: ["--exclude", "text"]))
        #expect(deleted["removed"] == 8 && deleted["total"] == 13, "1 deleted + 7 excluded texts")

        // Another model (a copy of the fixture under another name has another fingerprint): all re-embedded, and
        // searching with the old model is refused until then.
        let models = try IndexFixtures.folder("models")
        defer { try? FileManager.default.removeItem(at: models) }
        let other = models.appendingPathComponent("meta-copy")
        try FileManager.default.copyItem(at: IndexFixtures.meta, to: other)
        let switched = counts(try IndexFixtures.index([folder], model: other))
        #expect(
            switched["updated"] == 13 && switched["added"] == 7 && switched["total"] == 20,
            "13 rows re-embedded, the 7 texts no longer excluded added")
        let refused = try FuseBinary.run(["search", "cat", "--db", db.path, "--model", IndexFixtures.meta.path])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("holds vectors of the model meta-copy-") && refused.errors.contains("re-index"))
        let accepted = try FuseBinary.run(["search", "cat", "--db", db.path, "--model", other.path, "--top", "3"])
        #expect(accepted.status == 0, "\(accepted.errors)")
        #expect(accepted.output.split(separator: "\n").count == 3)
    }

    @Test("a file no plugin claims is skipped, a file a plugin claims but cannot read is reported and skipped")
    func badFiles() throws {
        let folder = try IndexFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try IndexFixtures.copySamples(into: folder)
        try Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]).write(
            to: folder.appendingPathComponent("images/broken.png"))
        try Data([0, 1, 2, 0xff, 0xfe, 0]).write(to: folder.appendingPathComponent("blob.bin"))
        let (report, run) = try IndexFixtures.index([folder])
        #expect(run.status == 0, "\(run.errors)")
        #expect(report["failed"] == 1 && report["added"] == 21 && report["skipped"] == 1)
        #expect(run.errors.contains("broken.png"))

        // An indexed file whose new contents cannot be read: reported as failed, its stale row dropped, not "removed".
        let cat = folder.appendingPathComponent("images/cat.png")
        try Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9]).write(to: cat)
        let (again, second) = try IndexFixtures.index([folder])
        #expect(second.status == 0, "\(second.errors)")
        #expect(again["failed"] == 2 && again["removed"] == 0 && again["total"] == 20 && again["unchanged"] == 20)
        #expect(
            try FuseIndex(readingFrom: folder.appendingPathComponent(".fuse-index.sqlite")).entry(path: cat.path) == nil
        )
    }
}
