import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import FuseIndex

/// `fuse index` killed with SIGKILL at seeded random points and run again ends with the index an uninterrupted run
/// writes; and `fuse search` answers while `fuse index` writes (WAL: readers never wait).
@Suite("fuse index: SIGKILL, resume, concurrent search", .serialized)
struct IndexCrashTests {
    @Test("20 runs killed at seeded points, each run again: every index equals the uninterrupted one")
    func killAndResume() throws {
        let folder = try IndexFixtures.folder("kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = folder.appendingPathComponent("files")
        try IndexFixtures.manyFiles(120, in: files)
        func arguments(_ db: URL) -> [String] {
            ["index", files.path, "--model", IndexFixtures.meta.path, "--db", db.path, "--batch-size", "8", "--quiet"]
        }
        let reference = folder.appendingPathComponent("reference.sqlite")
        // Most kills are aimed at the part of the run that commits batches (KillSchedule).
        let timed = try FuseBinary.runWatching(arguments(reference)) {
            ((try? FuseIndex(readingFrom: reference).counts().current) ?? 0) > 0
        }
        try #require(timed.status == 0)
        var schedule = KillSchedule(duration: timed.duration, firstOutput: timed.firstBytes, seed: 20)
        #expect(try FuseIndex(readingFrom: reference).counts().current == 126)

        var partial = 0
        for trial in 0..<20 {
            let db = folder.appendingPathComponent("trial-\(trial).sqlite")
            let killed = try schedule.runKilled(trial: trial, arguments(db)) {
                ((try? FuseIndex(readingFrom: db).counts().current) ?? 0) > 0
            }
            if killed, let rows = try? FuseIndex(readingFrom: db).counts().current, rows > 0, rows < 126 {
                partial += 1
            }
            let resumed = try FuseBinary.run(arguments(db))
            #expect(resumed.status == 0, "trial \(trial): \(resumed.errors)")
            let (same, why) = try IndexFixtures.sameRows(db, reference)
            #expect(same, "trial \(trial): \(why)")
        }
        // Not vacuous: some kills landed between committed batches.
        #expect(partial >= 3, "only \(partial) kills left a partial index")
    }

    @Test("searches (library and CLI) succeed while fuse index writes, and see a growing index")
    func searchWhileIndexing() throws {
        let folder = try IndexFixtures.folder("concurrent")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = folder.appendingPathComponent("files")
        try IndexFixtures.manyFiles(300, in: files)
        let db = folder.appendingPathComponent("index.sqlite")
        // A first batch committed, so there is something to search from the start.
        let seed = try FuseBinary.run([
            "index", files.appendingPathComponent("images").path, "--model",
            IndexFixtures.meta.path, "--db", db.path, "--quiet",
        ])
        try #require(seed.status == 0, "\(seed.errors)")
        let process = Process()
        process.executableURL = try FuseBinary.url()
        process.arguments = [
            "index", files.path, "--model", IndexFixtures.meta.path, "--db", db.path,
            "--batch-size", "4", "--quiet",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let query = [Float](repeating: 1 / Float(48).squareRoot(), count: 48)
        var sizes: [Int] = []
        var during = 0
        let reader = try FuseIndex(readingFrom: db)
        while process.isRunning {
            let started = Date()
            let hits = try reader.search(vector: query, k: 1000)
            #expect(Date().timeIntervalSince(started) < 2, "a reader waited for the writer")
            if process.isRunning { during += 1 }
            sizes.append(hits.count)
            if during == 3 {
                let cli = try FuseBinary.run(["search", "cat", "--db", db.path, "--json"])
                #expect(cli.status == 0, "\(cli.errors)")
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(during >= 3, "only \(during) searches overlapped the indexing run")
        #expect(sizes == sizes.sorted(), "a reader saw the index shrink")
        #expect(try reader.search(vector: query, k: 1000).count == 306)
    }
}
