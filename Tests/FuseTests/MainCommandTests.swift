import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// The built `fuse` binary (beside this test bundle in .build/<configuration>/): plain `fuse --inputs …` runs the
/// main job, each `--inputs` occurrence stays a group, outputs are never clobbered without --force.
@Suite("fuse CLI (built binary)")
struct MainCommandTests {
    static var binary: URL {
        (try? FuseBinary.url()) ?? FuseBinary.repository.appendingPathComponent(".build/debug/fuse")
    }

    /// Runs the binary with extra environment variables; returns (exit status, stdout, stderr).
    static func fuse(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let run = try FuseBinary.run(arguments, environment: environment)
        return (run.status, run.output, run.errors)
    }

    @Test("fuse --inputs … --inputs …: two groups fused, table printed, .jsonl and --plot written; no clobbering")
    func groupsThroughTheBinary() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build the fuse product first (swift build)")
        let folder = try JobFixtures.folder()
        let out = folder.appendingPathComponent("out.jsonl"), plot = folder.appendingPathComponent("sim.png")
        let model = RuntimeFixtures.models.appendingPathComponent("meta").path
        let arguments = [
            "--model", model, "--quiet",
            "--inputs", JobFixtures.sample("images/cat.png").path, JobFixtures.sample("audio/cat.wav").path,
            "--inputs", JobFixtures.sample("images/horse.png").path, JobFixtures.sample("audio/horse.wav").path,
            "--out", out.path, "--plot", plot.path,
        ]
        let (status, stdout, stderr) = try Self.fuse(arguments)
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("fusion late, strategy mean") && stdout.contains("cosine similarity of the 2 outputs"))
        #expect(try JobFixtures.lines(out).count == 2)
        #expect(FileManager.default.fileExists(atPath: plot.path))
        let before = try Data(contentsOf: out)
        let (again, _, refusal) = try Self.fuse(arguments)
        #expect(again != 0 && refusal.contains(out.path) && refusal.contains("--force"), "\(refusal)")
        #expect(try Data(contentsOf: out) == before)
        let (forced, _, _) = try Self.fuse(arguments + ["--force"])
        #expect(forced == 0)
        // `fuse embed` still works.
        let (embed, embedded, _) = try Self.fuse([
            "embed", "--model", model, "--inputs", JobFixtures.sample("images/cat.png").path,
        ])
        #expect(embed == 0 && embedded.contains("cat.png"))
    }
}
