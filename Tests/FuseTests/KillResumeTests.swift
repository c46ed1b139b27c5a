import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import Fuse

/// Issue 17: a run killed with SIGKILL at random points and resumed ends with the same file as an uninterrupted run,
/// byte for byte, through the built binary (so the kernel, not the test, decides where the write stops).
@Suite("fuse CLI: SIGKILL and --resume")
struct KillResumeTests {
    @Test("20 runs killed at random points (fixed seed), each resumed: every final file equals the uninterrupted one")
    func killAndResume() throws {
        let folder = try JobFixtures.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // 210 lines naming 7 sample texts over and over: resume must be keyed by position, not by path.
        let texts = try FileManager.default.contentsOfDirectory(
            at: JobFixtures.sample("text"),
            includingPropertiesForKeys: nil
        )
        .filter { $0.pathExtension == "txt" }.sorted { $0.path < $1.path }
        let list = folder.appendingPathComponent("list.txt")
        try JobFixtures.write((0..<210).map { texts[$0 % texts.count].path }.joined(separator: "\n") + "\n", to: list)
        let model = RuntimeFixtures.models.appendingPathComponent("meta").path
        func arguments(_ out: URL) -> [String] {
            ["--model", model, "--inputs-from", list.path, "--out", out.path, "--quiet", "--resume"]
        }
        let reference = folder.appendingPathComponent("reference.jsonl")
        // Most kills are aimed at the part of the run that writes records (KillSchedule).
        let timed = try FuseBinary.runWatching(arguments(reference), file: JSONLOutput.partialURL(for: reference))
        try #require(timed.status == 0)
        var schedule = KillSchedule(duration: timed.duration, firstOutput: timed.firstBytes, seed: 17)
        let expected = try Data(contentsOf: reference)
        #expect(try JobFixtures.lines(reference).count == 210)

        var interruptedWithRecords = 0
        for trial in 0..<20 {
            let out = folder.appendingPathComponent("trial-\(trial).jsonl")
            let partial = JSONLOutput.partialURL(for: out)
            let killed = try schedule.runKilled(trial: trial, arguments(out)) {
                ((try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int) ?? 0) > 0
            }
            if killed, let size = try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int,
                size > 0
            {
                interruptedWithRecords += 1
            }
            let resumed = try FuseBinary.run(arguments(out))
            #expect(resumed.status == 0, "trial \(trial): \(resumed.errors)")
            #expect(try Data(contentsOf: out) == expected, "trial \(trial) differs from the uninterrupted run")
            #expect(!FileManager.default.fileExists(atPath: partial.path))
        }
        // Not vacuous: some kills landed after records were written.
        #expect(interruptedWithRecords >= 3, "only \(interruptedWithRecords) kills landed mid-output")
    }
}
