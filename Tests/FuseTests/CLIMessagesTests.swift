import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// Issue 17, "CLI and messages", through the built binary: what a user types gets a clear answer.
@Suite("fuse CLI: messages and papercuts")
struct CLIMessagesTests {
    static let cat = JobFixtures.sample("text/cat.txt").path
    static let model = RuntimeFixtures.models.appendingPathComponent("meta").path

    @Test("a mistyped subcommand is named as one, with the list of subcommands (not reported against run)")
    func unknownSubcommand() throws {
        let run = try FuseBinary.run(["bogus", "--inputs", Self.cat])
        #expect(run.status == 64)
        #expect(run.errors.contains("'bogus' is not a fuse subcommand"))
        #expect(run.errors.contains("run, embed, plugins, inspect, tokenize, llm, describe, bench"))
        #expect(!run.errors.contains("Unexpected argument"))
    }

    @Test("negative option values are read as users type them (no '=' needed)")
    func negativeValues() throws {
        // -5 reaches the command's own range check instead of "Missing value".
        let describe = try FuseBinary.run(["describe", "--threshold", "-5", Self.cat])
        #expect(
            describe.status != 0 && describe.errors.contains("--threshold must lie in [-1, 1]"), "\(describe.errors)")
        #expect(!describe.errors.contains("Missing value"))
        let weights = try FuseBinary.run([
            "--model", Self.model, "--inputs", Self.cat, Self.cat, "--strategy", "weighted",
            "--weights", "-1,2",
        ])
        #expect(weights.status != 0 && !weights.errors.contains("Missing value"), "\(weights.errors)")
        #expect(weights.errors.contains("weight"), "\(weights.errors)")
    }

    @Test("--weights 1,,2, --out x.csv and --plot x.jpg are refused with what to type instead; nothing is written")
    func refusedOutputs() throws {
        let folder = try JobFixtures.folder()
        let weights = try FuseBinary.run(["--model", Self.model, "--inputs", Self.cat, Self.cat, "--weights", "1,,2"])
        #expect(weights.status != 0 && weights.errors.contains("item 2 is empty"), "\(weights.errors)")
        let csv = folder.appendingPathComponent("x.csv")
        let out = try FuseBinary.run(["--model", Self.model, "--inputs", Self.cat, "--out", csv.path])
        #expect(
            out.status != 0 && out.errors.contains(".jsonl") && out.errors.contains(".safetensors"), "\(out.errors)")
        let jpg = folder.appendingPathComponent("x.jpg"), jsonl = folder.appendingPathComponent("x.jsonl")
        let plot = try FuseBinary.run([
            "--model", Self.model, "--inputs", Self.cat, "--out", jsonl.path,
            "--plot", jpg.path,
        ])
        #expect(plot.status != 0 && plot.errors.contains("written as PNG"), "\(plot.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("--quiet hides progress, never skipped inputs; progress never goes to a non-terminal stderr")
    func quietAndProgress() throws {
        let folder = try JobFixtures.folder()
        let list = folder.appendingPathComponent("list.txt")
        let lines = (0..<210).map { $0 == 5 ? "missing.txt" : Self.cat }
        try JobFixtures.write(lines.joined(separator: "\n") + "\n", to: list)
        for quiet in [true, false] {
            let out = folder.appendingPathComponent("out-\(quiet).jsonl")
            let run = try FuseBinary.run(
                ["--model", Self.model, "--inputs-from", list.path, "--out", out.path]
                    + (quiet ? ["--quiet"] : []))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.errors.contains("skipped") && run.errors.contains("missing.txt"), "\(run.errors)")
            #expect(!run.errors.contains("\r"))
        }
    }

    @Test("fuse run finds the default model from another working directory, as fuse describe does")
    func defaultModelFromElsewhere() throws {
        let checkout = FuseBinary.repository.appendingPathComponent(JobArguments.defaultModel)
        try #require(
            FileManager.default.fileExists(atPath: checkout.appendingPathComponent("config.json").path),
            "run tools/setup_models.sh first")
        let elsewhere = try JobFixtures.folder()
        let run = try FuseBinary.run(["--inputs", Self.cat, "--quiet"], currentDirectory: elsewhere)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("model fuse-mini"))
        let resolved = try JobArguments.defaultModelDirectory(
            currentDirectory: elsewhere, executable: try FuseBinary.url())
        #expect(resolved.standardizedFileURL.path == checkout.standardizedFileURL.path)
        // Neither here nor beside the executable: the error says how to make it.
        #expect { _ = try JobArguments.defaultModelDirectory(currentDirectory: elsewhere, executable: nil) } throws: {
            "\($0)".contains("tools/setup_models.sh")
        }
    }
}
