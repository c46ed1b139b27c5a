import Foundation
import Testing
@testable import Fuse

/// List runs (`--inputs-from`), resume, shards and every bad input issue 7 names, in process.
@Suite("Main job: lists, resume, shards, bad input")
struct JobListTests {
    /// A list of `.ids` files and two sample images, with its folder.
    static func list(_ count: Int, extra: [String] = []) throws -> (folder: URL, list: URL, files: [URL]) {
        let folder = try JobFixtures.folder()
        let files =
            try JobFixtures.idFiles(count, in: folder)
            + [JobFixtures.sample("images/coffee.jpg"), JobFixtures.sample("audio/camera.wav")]
        let list = folder.appendingPathComponent("list.txt")
        try JobFixtures.write(
            (files.map { $0.lastPathComponent.hasSuffix(".ids") ? $0.lastPathComponent : $0.path }
                + extra).joined(separator: "\n") + "\n", to: list)
        return (folder, list, files)
    }

    @Test("a list run streams every file into .jsonl, one line per input, keys in list order")
    func listToJSONL() async throws {
        let (folder, list, files) = try Self.list(5)
        let out = folder.appendingPathComponent("emb.jsonl")
        let summary = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, chunkSize: 3))
        #expect(summary.written == files.count && summary.failures.isEmpty)
        let lines = try JobFixtures.lines(out)
        #expect(lines.compactMap(JobRecord.key(jsonLine:)) == files.map(\.path))
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect((first["embedding"] as! [Double]).count == 48 && first["plugins"] as! [String] == ["test-token-ids"])
        #expect(!FileManager.default.fileExists(atPath: JSONLOutput.partialURL(for: out).path))
    }

    @Test("a bad file in a list run is reported and skipped, the others written; --strict makes it fatal")
    func badFileSkipped() async throws {
        let (folder, list, files) = try Self.list(3, extra: ["notes.xyz", "missing.ids", "{\"inputs\": 3}"])
        // Binary bytes: neither a known signature nor text, so no plugin claims the file.
        try Data([0x00, 0xFF, 0x13, 0x9C, 0x00, 0x01, 0xFE]).write(to: folder.appendingPathComponent("notes.xyz"))
        let out = folder.appendingPathComponent("emb.jsonl")
        let summary = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out))
        #expect(summary.written == files.count)
        #expect(try JobFixtures.lines(out).count == files.count)
        #expect(summary.failures.count == 3)
        #expect(
            summary.failures[0].description.contains("notes.xyz")
                && summary.failures[0].description.contains("no plugin claims"))
        #expect(summary.failures[1].description.contains("missing.ids"))
        #expect(summary.failures[2].description.contains("list.txt:8"))
        let strict = JobOptions(
            source: .list(list.path), output: folder.appendingPathComponent("strict.jsonl"),
            strict: true)
        await #expect(throws: JobFailure.self) { _ = try await JobFixtures.run(strict) }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("strict.jsonl").path))
    }

    @Test("--resume skips what the output holds and appends the rest; a torn last line is redone")
    func resume() async throws {
        let (folder, list, files) = try Self.list(6)
        let out = folder.appendingPathComponent("emb.jsonl")
        // An interrupted run: three whole lines and half of the fourth in the partial file.
        let full = try await JobFixtures.run(
            JobOptions(
                source: .list(list.path),
                output: folder.appendingPathComponent("full.jsonl")))
        let lines = try JobFixtures.lines(folder.appendingPathComponent("full.jsonl"))
        try JobFixtures.write(
            lines[0..<3].joined(separator: "\n") + "\n" + lines[3].prefix(40),
            to: JSONLOutput.partialURL(for: out))
        await #expect(throws: JobError.partialExists(output: out.path, partial: JSONLOutput.partialURL(for: out).path))
        {
            _ = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out))
        }
        let resumed = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, resume: true))
        #expect(resumed.resumed == 3 && resumed.written == files.count - 3)
        let after = try JobFixtures.lines(out)
        #expect(after.count == files.count && Set(after.compactMap(JobRecord.key(jsonLine:))) == Set(files.map(\.path)))
        #expect(full.written == files.count)
        // A finished output grows when the list grows.
        let more = try JobFixtures.idFiles(9, in: folder).suffix(3)
        try JobFixtures.write(
            try String(contentsOf: list, encoding: .utf8)
                + more.map(\.lastPathComponent).joined(separator: "\n"), to: list)
        let grown = try await JobFixtures.run(JobOptions(source: .list(list.path), output: out, resume: true))
        #expect(grown.resumed == files.count && grown.written == 3)
        #expect(try JobFixtures.lines(out).count == files.count + 3)
    }

    @Test("shards I/N partition the list: disjoint, complete, position p in shard p mod N")
    func shards() async throws {
        let (folder, list, files) = try Self.list(5)
        var seen: [String] = []
        for index in 0..<3 {
            let out = folder.appendingPathComponent("shard-\(index).jsonl")
            _ = try await JobFixtures.run(
                JobOptions(source: .list(list.path), output: out, shard: try Shard("\(index)/3")))
            let keys = try JobFixtures.lines(out).compactMap(JobRecord.key(jsonLine:))
            #expect(keys == files.enumerated().filter { $0.offset % 3 == index }.map(\.element.path))
            seen += keys
        }
        #expect(Set(seen) == Set(files.map(\.path)) && seen.count == files.count)
    }

    @Test("a group with a file no plugin claims: named error naming the file")
    func unclaimedFile() async throws {
        let folder = try JobFixtures.folder()
        let odd = folder.appendingPathComponent("table.xyz")
        try Data([0x00, 0xFF, 0x13, 0x9C, 0x00, 0x01, 0xFE]).write(to: odd)
        let groups = [InputGroup(name: "g", inputs: [JobFixtures.sample("images/cat.png"), odd])]
        await #expect { _ = try await JobFixtures.run(JobOptions(source: .groups(groups), fusion: .late)) } throws: {
            error in
            let text = "\(error)"
            return text.contains(odd.path) && text.contains("no plugin claims")
        }
    }

    @Test("a modality the model has no tower for: named error (ViT has only an image tower)")
    func missingTower() async throws {
        let groups = [
            InputGroup(name: "g", inputs: [JobFixtures.sample("images/cat.png"), JobFixtures.sample("audio/cat.wav")])
        ]
        for fusion in [FusionMode.late, .early] {
            await #expect {
                _ = try await JobFixtures.run(
                    JobOptions(source: .groups(groups), fusion: fusion),
                    runtime: try JobFixtures.runtime("vit"))
            } throws: { error in
                "\(error)".contains("has no audio tower")
            }
        }
    }

    @Test("concat over groups of different sizes without a projection: named error; with one: a projected vector")
    func concatDimensions() async throws {
        let groups = [
            JobFixtures.imageAudio[0], InputGroup(name: "one", inputs: [JobFixtures.sample("images/horse.png")]),
        ]
        await #expect(throws: JobError.concatDimensions(groupSizes: [2, 1])) {
            _ = try await JobFixtures.run(JobOptions(source: .groups(groups), fusion: .late, strategy: .concat(nil)))
        }
        let projection = try FusionProjection(
            weight: Tensor(shape: [5, 96]) { p in
                for i in p.indices { p[i] = Float((i * 37) % 11) / 11 - 0.5 }
            })
        let summary = try await JobFixtures.run(
            JobOptions(
                source: .groups([JobFixtures.imageAudio[0]]), fusion: .late,
                strategy: .concat(projection)))
        #expect(summary.records[0].embedding.dimension == 5)
        await #expect {
            _ = try await JobFixtures.run(
                JobOptions(
                    source: .groups([groups[1]]), fusion: .late,
                    strategy: .concat(projection)))
        } throws: { error in
            (error as? JobFailure)?.underlying as? FusionError == .projectionMismatch(expectedInput: 96, got: 48)
        }
    }

    @Test(
        "weights that do not sum to a positive number, or of the wrong count: named errors",
        arguments: ["0,0", "-1,2", "0, 0"])
    func badWeights(weights: String) throws {
        var arguments = JobArguments()
        arguments.inputGroups = [["a.png", "a.wav"]]
        arguments.weights = weights
        #expect(throws: FusionError.self) { _ = try arguments.options(currentDirectory: URL(fileURLWithPath: "/")) }
        arguments.weights = "1,2,3"
        #expect(throws: FusionError.weightCount(expected: 2, got: 3)) {
            _ = try arguments.options(currentDirectory: URL(fileURLWithPath: "/"))
        }
    }

    @Test("an unreadable list file or manifest: named error")
    func unreadableList() async throws {
        await #expect(throws: InputListError.unreadable(path: "/nonexistent/list.txt", reason: "no such readable file"))
        {
            _ = try await JobFixtures.run(JobOptions(source: .list("/nonexistent/list.txt")))
        }
        await #expect(throws: InputListError.self) {
            _ = try await JobFixtures.run(JobOptions(source: .manifest(URL(fileURLWithPath: "/nonexistent/m.jsonl"))))
        }
    }

    @Test("--resume needs a .jsonl output; an unknown output format is refused before any work")
    func outputRules() throws {
        let source = JobSource.groups(JobFixtures.imageAudio)
        #expect(throws: JobError.resumeNeedsJSONL(path: "/tmp/x.npy")) {
            try FuseJob.checkOutput(
                JobOptions(source: source, output: URL(fileURLWithPath: "/tmp/x.npy"), resume: true))
        }
        #expect(throws: FuseError.self) {
            try FuseJob.checkOutput(JobOptions(source: source, output: URL(fileURLWithPath: "/tmp/x.csv")))
        }
    }
}
