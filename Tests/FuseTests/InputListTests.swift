import Foundation
import Testing
@testable import Fuse

@Suite struct InputListTests {
    func temporaryFile(_ text: String, name: String = "list.txt") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-inputs-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func bundledSamplesManifestReads() throws {
        let manifest = FixtureLocation.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/manifest.jsonl")
        let groups = try GroupManifest.read(manifest)
        #expect(groups.count == 7)
        #expect(groups[0].name == "cat")
        #expect(groups[0].inputs.map(\.lastPathComponent) == ["cat.png", "cat.wav", "cat.txt"])
        for group in groups {
            for input in group.inputs { #expect(FileManager.default.fileExists(atPath: input.path), "\(input.path)") }
        }
    }

    @Test func plainTextManifestAndRelativePaths() throws {
        let url = try temporaryFile("# groups\na.png  a.txt\n\n/abs/b.wav\tb.txt\n")
        let groups = try GroupManifest.read(url)
        #expect(groups.count == 2)
        #expect(groups[0].inputs[0].path == url.deletingLastPathComponent().appendingPathComponent("a.png").path)
        #expect(groups[1].inputs[0].path == "/abs/b.wav")
        #expect(groups[1].name == "b.wav")
    }

    @Test func badManifestLinesAreNamed() throws {
        let url = try temporaryFile("{\"group\": \"x\", \"inputs\": []}\n", name: "m.jsonl")
        #expect(throws: InputListError.emptyGroup(path: url.path, line: 1)) { try GroupManifest.read(url) }
        let broken = try temporaryFile("a.png\n{\"inputs\": 3}\n", name: "m.jsonl")
        #expect { try GroupManifest.read(broken) } throws: { error in
            guard case InputListError.badLine(_, let line, _) = error else { return false }
            return line == 2
        }
        #expect(throws: InputListError.unreadable(path: "/nonexistent/list", reason: "no such readable file")) {
            try InputListReader(path: "/nonexistent/list")
        }
    }

    @Test func listReaderStreamsLinesAcrossChunks() throws {
        let names = (0..<20_000).map { "dir/file-\($0).png" }
        let url = try temporaryFile(names.joined(separator: "\n") + "\n\n# end")
        let read = Array(try InputListReader(path: url.path))
        #expect(read.count == 20_000)
        #expect(read.last?.lastPathComponent == "file-19999.png")
        #expect(read[123].path == url.deletingLastPathComponent().appendingPathComponent("dir/file-123.png").path)
    }

    @Test func shardsPartitionTheList() throws {
        let shards = try (0..<4).map { try Shard("\($0)/4") }
        for position in 0..<100 {
            #expect(shards.filter { $0.contains(position: position) }.count == 1)
        }
        #expect(shards[1].contains(position: 5) && !shards[1].contains(position: 6))
        for bad in ["4/4", "-1/3", "1", "a/b", "0/0"] {
            #expect(throws: InputListError.badShard(bad)) { try Shard(bad) }
        }
    }
}
