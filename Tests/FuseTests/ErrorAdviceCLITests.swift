import Foundation
import FuseTestSupport
import Testing
@testable import Fuse

/// The libraries say what is wrong in their own terms; `fuse` (Sources/fuse/ErrorAdvice.swift) adds the fix in its
/// flags. Each case runs the built binary and checks the flag is printed, the exit code is the one ArgumentParser
/// gives a run error (1) or a validation error (64), and the library's own message names no flag.
@Suite("fuse CLI: library errors get advice with fuse's flags")
struct ErrorAdviceCLITests {
    static let cat = JobFixtures.sample("text/cat.txt").path

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: [String]
        var environment: [String: String] = [:]
        let status: Int32
        /// What the CLI prints (with its flags).
        let says: String
        var testDescription: String { name }
    }

    /// Scheduler variables emptied, so the runner's own environment cannot pick a shard.
    static let noScheduler = ["SLURM_ARRAY_TASK_ID": "", "JOB_COMPLETION_INDEX": "", "FUSE_SHARD_COUNT": ""]

    static let cases: [Case] = [
        Case(
            name: "unknown fusion mode", arguments: ["--inputs", cat, "--fusion", "sideways"], status: 1,
            says: "unknown --fusion 'sideways' (known: none, early, late)"),
        Case(
            name: "resume and force together", arguments: ["--inputs", cat, "--resume", "--force"], status: 1,
            says: "--resume continues an output, --force replaces it: pick one"),
        Case(
            name: "a malformed weight", arguments: ["--inputs", cat, cat, "--weights", "1,,2"], status: 1,
            says: "--weights '1,,2': item 2 is empty (use e.g. 0.5,0.3,0.2)"),
        Case(
            name: "strategy settings without late fusion",
            arguments: ["--inputs", cat, cat, "--fusion", "early", "--strategy", "max"], status: 1,
            says: "--strategy, --weights and --projection apply to --fusion late, not early"),
        Case(
            name: "no inputs", arguments: ["run"], status: 1,
            says: "give inputs: --inputs FILE… (repeat for groups), --manifest FILE or --inputs-from LIST|-"),
        Case(
            name: "a shard that is not I/N", arguments: ["--inputs-from", "-", "--shard", "4/4"],
            environment: noScheduler, status: 1, says: "--shard 4/4: expected I/N with 0 ≤ I < N"),
        Case(
            name: "a shard count without a scheduler index",
            arguments: ["--inputs-from", "-", "--shard-count", "4"], environment: noScheduler, status: 1,
            says: "--shard-count 4 needs a shard index from the scheduler (SLURM_ARRAY_TASK_ID or "
                + "JOB_COMPLETION_INDEX); outside a scheduler pass --shard I/N"),
        Case(
            name: "a Kubernetes index without a count",
            arguments: ["--inputs-from", "-"], environment: noScheduler.merging(["JOB_COMPLETION_INDEX": "1"]) { $1 },
            status: 1, says: "pass --shard-count N (the Job's completions) or set FUSE_SHARD_COUNT=N"),
        Case(
            name: "a server limit that cannot work", arguments: ["serve", "--model", "m", "--max-inputs", "0"],
            status: 64, says: "--max-inputs: must be positive, got 0"),
    ]

    @Test("the CLI names its flag", arguments: cases)
    func advice(_ example: Case) throws {
        let run = try FuseBinary.run(example.arguments, environment: example.environment)
        #expect(run.status == example.status, "\(run.errors)")
        #expect(run.errors.contains(example.says), "\(run.errors)")
    }

    @Test("no default model: the library says how to make it, fuse adds --model")
    func defaultModelMissing() throws {
        let elsewhere = try JobFixtures.folder()
        let bare = try JobFixtures.folder()
        let copy = bare.appendingPathComponent("fuse")
        // A copy of the binary outside the checkout, so neither the working directory nor the binary's folder has
        // the default model.
        try FileManager.default.copyItem(at: try FuseBinary.url(), to: copy)
        let process = Process()
        process.executableURL = copy
        process.arguments = ["--inputs", Self.cat]
        process.currentDirectoryURL = elsewhere
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(text)")
        #expect(
            text.contains(
                "model folder not found; run tools/setup_models.sh (from the repository root) to make "
                    + "the default model, or pass --model DIR"), "\(text)")
    }

    @Test("an existing output: the library says it exists, fuse says --force (run and embed alike)")
    func outputExists() throws {
        let folder = try JobFixtures.folder()
        let out = folder.appendingPathComponent("taken.json")
        try JobFixtures.write("{}", to: out)
        for arguments in [
            ["--inputs", Self.cat, "--out", out.path],
            ["embed", "--model", "unused", "--inputs", Self.cat, "--out", out.path],
        ] {
            let run = try FuseBinary.run(arguments)
            #expect(run.status == 1, "\(run.errors)")
            #expect(run.errors.contains("\(out.path): already exists; pass --force to overwrite it"), "\(run.errors)")
        }
        #expect(!FuseError.outputExists(path: out.path).description.contains("--"))
        #expect(try String(contentsOf: out, encoding: .utf8) == "{}")
    }

    @Test("the library's messages for these errors name no flag")
    func libraryWords() {
        let errors: [any Error] = [
            JobError.unknownFusion("sideways"), JobError.resumeAndOverwrite,
            JobError.badWeights(text: "1,,2", reason: "item 2 is empty"), JobError.lateFusionSettings(mode: .early),
            JobError.noInputs, JobError.severalInputSources, JobError.emptyInputGroup(index: 0),
            JobError.unknownStrategy("x"), JobError.weightsNeedWeighted(strategy: "max"),
            JobError.projectionNeedsConcat(strategy: "max"), JobError.weightedNeedsWeights,
            JobError.resumeNeedsJSONL(path: nil), JobError.partialExists(output: "a.jsonl", partial: "a.jsonl.partial"),
            JobError.concatDimensions(groupSizes: [2, 1]), InputListError.badShard("4/4"),
        ]
        for error in errors { #expect(!"\(error)".contains("--"), "\(error)") }
    }
}
