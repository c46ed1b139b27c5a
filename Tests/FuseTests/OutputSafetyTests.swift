import Foundation
import Testing
@testable import Fuse

/// Issue 17, "Outputs: never lose or mix a user's data": failed runs leave nothing trusted, one writer per output,
/// resume keyed by list position and refused across settings, corrupt lines reported, nothing committed on failure.
@Suite("Main job: output safety under failure and concurrency")
struct OutputSafetyTests {
    /// A list naming `distinct` `.ids` files `repeats` times over, in a fresh folder.
    static func repeatedList(distinct: Int, repeats: Int) throws -> (folder: URL, list: URL) {
        let folder = try JobFixtures.folder()
        let files = try JobFixtures.idFiles(distinct, in: folder)
        let list = folder.appendingPathComponent("list.txt")
        let names = (0..<repeats).flatMap { _ in files.map(\.lastPathComponent) }
        try JobFixtures.write(names.joined(separator: "\n") + "\n", to: list)
        return (folder, list)
    }

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    @Test("a failed --force run leaves no partial file, and a later --resume keeps the finished output whole")
    func failedForceRunLeavesNothing() async throws {
        let (folder, list) = try Self.repeatedList(distinct: 7, repeats: 2)
        let out = folder.appendingPathComponent("emb.jsonl")
        _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out))
        let finished = try Data(contentsOf: out)
        #expect(try JobFixtures.lines(out).count == 14)
        // --force over a truncated PNG (the only input): the run fails.
        let truncated = folder.appendingPathComponent("broken.png")
        let png = try Data(contentsOf: JobFixtures.sample("images/cat.png"))
        try png.prefix(200).write(to: truncated)
        let badList = folder.appendingPathComponent("bad.txt")
        try JobFixtures.write("broken.png\n", to: badList)
        await #expect(throws: (any Error).self) {
            _ = try await JobFixtures.run(
                JobOptions(
                    source: .list(badList.path), output: out, overwrite: true,
                    strict: true))
        }
        #expect(!Self.exists(JSONLOutput.partialURL(for: out)))
        #expect(try Data(contentsOf: out) == finished)
        // Without --strict every input is skipped: exit with an error, commit nothing.
        await #expect(throws: JobError.everythingSkipped(count: 1)) {
            _ = try await JobFixtures.run(JobOptions(source: .list(badList.path), output: out, overwrite: true))
        }
        #expect(!Self.exists(JSONLOutput.partialURL(for: out)))
        #expect(try Data(contentsOf: out) == finished)
        // Resuming the finished output with its own list changes nothing.
        let resumed = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, resume: true))
        #expect(resumed.resumed == 14 && resumed.written == 0)
        #expect(try Data(contentsOf: out) == finished)
        // Resuming it with another list is refused: it must never shrink or mix.
        await #expect {
            _ = try await JobFixtures.run(JobOptions(source: .list(badList.path), output: out, resume: true))
        } throws: { error in
            guard case JobError.listChanged(let path, 0, _, _) = error else { return false }
            return path == out.path
        }
        #expect(try Data(contentsOf: out) == finished)
    }

    @Test("an interrupted --force run of the same list does not shrink the finished output on --resume")
    func partialInsideFinished() async throws {
        let (folder, list) = try Self.repeatedList(distinct: 5, repeats: 2)
        let out = folder.appendingPathComponent("emb.jsonl")
        _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out))
        let finished = try Data(contentsOf: out)
        // What a killed --force run leaves: its first two lines and a torn third.
        let lines = try JobFixtures.lines(out)
        try JobFixtures.write(
            lines[0..<2].joined(separator: "\n") + "\n" + lines[2].prefix(30),
            to: JSONLOutput.partialURL(for: out))
        let resumed = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, resume: true))
        #expect(resumed.resumed == 10 && resumed.written == 0)
        #expect(try Data(contentsOf: out) == finished)
    }

    @Test("a partial file and a finished output that do not contain each other: refused, both kept")
    func resumeConflict() async throws {
        let (folder, list) = try Self.repeatedList(distinct: 4, repeats: 1)
        let out = folder.appendingPathComponent("emb.jsonl")
        _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out))
        let lines = try JobFixtures.lines(out)
        // A partial whose position-0 record has other inputs.
        let other = lines[1].replacingOccurrences(of: "\"position\":1,", with: "\"position\":0,")
        try JobFixtures.write(other + "\n", to: JSONLOutput.partialURL(for: out))
        await #expect(throws: JobError.resumeConflict(output: out.path, partial: JSONLOutput.partialURL(for: out).path))
        {
            _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, resume: true))
        }
        #expect(try JobFixtures.lines(out) == lines)
        #expect(Self.exists(JSONLOutput.partialURL(for: out)))
    }

    @Test("a list naming files several times: interrupted and resumed equals uninterrupted, line for line")
    func repeatedInputsResume() async throws {
        let (folder, list) = try Self.repeatedList(distinct: 21, repeats: 10)
        let reference = folder.appendingPathComponent("reference.jsonl")
        let runtime = try JobFixtures.runtime()
        let whole = try await JobFixtures.run(
            JobOptions(source: .list(list.path), output: reference, chunkSize: 16),
            runtime: runtime)
        #expect(whole.written == 210)
        let expected = try Data(contentsOf: reference)
        let lines = try JobFixtures.lines(reference)
        // Interruptions after 0, 1, 37 (torn), 64 and 209 lines.
        for cut in [0, 1, 37, 64, 209] {
            let out = folder.appendingPathComponent("cut-\(cut).jsonl")
            let torn = cut < lines.count ? String(lines[cut].prefix(25)) : ""
            try JobFixtures.write(
                lines[0..<cut].map { $0 + "\n" }.joined() + torn, to: JSONLOutput.partialURL(for: out))
            let resumed = try await JobFixtures.run(
                JobOptions(
                    source: .list(list.path), output: out, resume: true,
                    chunkSize: 16), runtime: runtime)
            #expect(resumed.resumed == cut && resumed.written == 210 - cut)
            #expect(try Data(contentsOf: out) == expected, "cut after \(cut) lines")
        }
    }

    @Test("--resume with other settings is refused, naming the difference")
    func settingsDiffer() async throws {
        let folder = try JobFixtures.folder()
        let files = try JobFixtures.idFiles(4, in: folder)
        let groups = [
            InputGroup(name: "a", inputs: Array(files[0..<2])), InputGroup(name: "b", inputs: Array(files[2...])),
        ]
        let out = folder.appendingPathComponent("emb.jsonl")
        _ = try await JobFixtures.run(JobOptions(source: .groups(groups), fusion: .late, strategy: .mean, output: out))
        let before = try Data(contentsOf: out)
        let variants: [(JobOptions, String)] = [
            (
                JobOptions(source: .groups(groups), fusion: .late, strategy: .max, output: out, resume: true),
                "strategy 'mean' there, 'max' in this run"
            ),
            (
                JobOptions(source: .groups(groups), fusion: .early, output: out, resume: true),
                "fusion 'late' there, 'early' in this run"
            ),
            (
                JobOptions(
                    source: .groups(groups), fusion: .late, strategy: .weighted([2, 1]), output: out, resume: true),
                "'weighted 2.0,1.0' in this run"
            ),
        ]
        for (options, difference) in variants {
            await #expect { _ = try await JobFixtures.run(options) } throws: { error in
                guard case JobError.settingsDiffer(let path, 1, let differences) = error else { return false }
                return path == out.path && differences.joined().contains(difference)
                    && "\(error)".contains("mix two kinds of vector")
            }
        }
        // Another model.
        await #expect {
            _ = try await JobFixtures.run(
                JobOptions(
                    source: .groups(groups), fusion: .late, output: out,
                    resume: true), runtime: JobFixtures.runtime("bert"))
        } throws: { error in
            guard case JobError.settingsDiffer(_, _, let differences) = error else { return false }
            return differences.first?.hasPrefix("model 'meta") == true
        }
        #expect(try Data(contentsOf: out) == before)
    }

    @Test("a corrupt line in the middle of an output being resumed is reported with its line number")
    func corruptLine() async throws {
        let (folder, list) = try Self.repeatedList(distinct: 5, repeats: 1)
        let out = folder.appendingPathComponent("emb.jsonl")
        _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out))
        var lines = try JobFixtures.lines(out)
        lines[2] = String(lines[2].prefix(50)) + "garbage"
        try JobFixtures.write(lines.joined(separator: "\n") + "\n", to: out)
        await #expect(throws: JobError.corruptOutput(path: out.path, line: 3, reason: "not an embedding record")) {
            _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, resume: true))
        }
        // A line from an older Fuse (no position, no settings) is not trusted either.
        lines = try JobFixtures.lines(out)
        lines[2] = #"{"id":"x","inputs":["x"],"embedding":[1]}"#
        try JobFixtures.write(lines.joined(separator: "\n") + "\n", to: out)
        await #expect {
            _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, resume: true))
        } throws: { error in
            guard case JobError.corruptOutput(_, 3, let reason) = error else { return false }
            return reason.contains("older Fuse")
        }
    }

    @Test("a second writer of the same output fails at once, naming the holder; the first one's output is whole")
    func outputLock() async throws {
        let (folder, list) = try Self.repeatedList(distinct: 3, repeats: 1)
        let out = folder.appendingPathComponent("emb.jsonl")
        let held = try OutputLock(output: out)
        let holder = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName)"
        for options in [
            JobOptions(source: .list(list.path), output: out, resume: true),
            JobOptions(source: .list(list.path), output: out),
        ] {
            await #expect { _ = try await JobFixtures.run(options) } throws: { error in
                guard case JobError.outputLocked(let path, let lockFile, let who) = error else { return false }
                return path == out.path && lockFile == OutputLock.lockURL(for: out).path && who.hasPrefix(holder)
            }
            #expect(throws: JobError.self) { try FuseJob.checkOutput(options) }
        }
        #expect(!Self.exists(out) && !Self.exists(JSONLOutput.partialURL(for: out)))
        held.release()
        #expect(!Self.exists(OutputLock.lockURL(for: out)))
        _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out))
        #expect(try JobFixtures.lines(out).count == 3)
        #expect(!Self.exists(OutputLock.lockURL(for: out)))
        // A lock file left by a killed holder (no lock held on it) does not block.
        try JobFixtures.write("pid 1 on gone since 2000-01-01", to: OutputLock.lockURL(for: out))
        _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, overwrite: true))
    }

    @Test("--plot problems are found before the work, and a failing plot commits no embeddings")
    func plotFailsFirst() async throws {
        let (folder, list) = try Self.repeatedList(distinct: 3, repeats: 2)
        let out = folder.appendingPathComponent("emb.jsonl")
        let jpg = folder.appendingPathComponent("sim.jpg")
        await #expect(throws: JobError.plotFormat(path: jpg.path)) {
            _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, plot: jpg))
        }
        let png = folder.appendingPathComponent("sim.png")
        await #expect(throws: JobError.plotTooLarge(path: png.path, limit: 4, outputs: 6)) {
            _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, plot: png, retainLimit: 4))
        }
        #expect(!Self.exists(out) && !Self.exists(png) && !Self.exists(JSONLOutput.partialURL(for: out)))
        // A whole-file output with a plot over the limit: refused before the work too.
        let groups = (0..<6).map { InputGroup(inputs: [folder.appendingPathComponent("text-\($0 % 3).ids")]) }
        let npy = folder.appendingPathComponent("emb.npy")
        await #expect(throws: JobError.plotTooLarge(path: png.path, limit: 4, outputs: 6)) {
            _ = try await JobFixtures.run(JobOptions(source: .groups(groups), output: npy, plot: png, retainLimit: 4))
        }
        #expect(!Self.exists(npy) && !Self.exists(png))
        // An unwritable plot folder is refused before the work.
        let nowhere = folder.appendingPathComponent("no/such/sim.png")
        await #expect(throws: FuseError.self) {
            _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, plot: nowhere))
        }
        #expect(!Self.exists(out))
        _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, plot: png))
        #expect(Self.exists(out) && Self.exists(png))
    }

    @Test("--weights refuses empty items")
    func emptyWeights() throws {
        var arguments = JobArguments()
        arguments.inputGroups = [["a.png", "b.txt"]]
        for text in ["1,,2", "1,2,", ",1", "1, ,2"] {
            arguments.weights = text
            #expect { _ = try arguments.options(currentDirectory: URL(fileURLWithPath: "/tmp")) } throws: { error in
                "\(error)".contains("is empty")
            }
        }
        arguments.weights = "1,nan"
        #expect(throws: JobError.self) { _ = try arguments.options(currentDirectory: URL(fileURLWithPath: "/tmp")) }
        arguments.weights = "2, 1"
        #expect(throws: Never.self) { _ = try arguments.options(currentDirectory: URL(fileURLWithPath: "/tmp")) }
    }
}
