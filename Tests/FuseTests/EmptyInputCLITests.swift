import Foundation
import FuseTestSupport
import Testing

/// Issue 17 through the built binary: an empty text file (and an empty image, a symbolic link loop) in a list run is
/// skipped with a message naming it, `--strict` makes it fatal; a config.json that is not JSON is reported with its
/// line and column, not Foundation's "The operation could not be completed".
@Suite("fuse CLI: empty and unreadable inputs (built binary)")
struct EmptyInputCLITests {
    static let model = FixturePaths.url("models/bert")

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a list run skips an empty file with a message; --strict fails on it and writes nothing")
    func emptyFileInListRun() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("a cat on a mat\n".utf8).write(to: folder.appendingPathComponent("good.txt"))
        try Data().write(to: folder.appendingPathComponent("empty.txt"))
        try Data().write(to: folder.appendingPathComponent("empty.png"))
        let loop = folder.appendingPathComponent("loop.txt")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        let list = folder.appendingPathComponent("list.txt")
        try Data("good.txt\nempty.txt\nempty.png\nloop.txt\n".utf8).write(to: list)
        let out = folder.appendingPathComponent("out.jsonl")

        let run = try FuseBinary.run([
            "--model", Self.model.path, "--quiet", "--inputs-from", list.path,
            "--out", out.path,
        ])
        let said = run.output + run.errors
        #expect(run.status == 0, "\(said)")
        #expect(said.contains(folder.appendingPathComponent("empty.txt").path + ": the file is empty"), "\(said)")
        #expect(said.contains(folder.appendingPathComponent("empty.png").path + ": the file is empty"), "\(said)")
        #expect(said.contains(loop.path + ": symbolic link loop"), "\(said)")
        #expect(!said.contains("no such file"), "\(said)")
        let lines = try String(decoding: Data(contentsOf: out), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("good.txt"))

        let strictOut = folder.appendingPathComponent("strict.jsonl")
        let strict = try FuseBinary.run([
            "--model", Self.model.path, "--quiet", "--inputs-from", list.path,
            "--out", strictOut.path, "--strict",
        ])
        #expect(strict.status != 0)
        #expect((strict.output + strict.errors).contains("empty.txt: the file is empty"), "\(strict.errors)")
        #expect(!FileManager.default.fileExists(atPath: strictOut.path))
    }

    @Test("fuse --inputs EMPTY.txt fails naming the file")
    func singleEmptyFile() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        let run = try FuseBinary.run(["--model", Self.model.path, "--quiet", "--inputs", empty.path])
        #expect(run.status != 0)
        #expect(run.errors.contains(empty.path + ": the file is empty"), "\(run.errors)")
    }

    @Test("a model's config.json that is not JSON: line, column and what is wrong")
    func invalidConfigJSON() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model")
        try FileManager.default.copyItem(at: Self.model, to: model)
        let config = model.appendingPathComponent("config.json")
        try FileManager.default.removeItem(at: config)
        try Data("{\n  \"hidden_size\": 48\n  \"model_type\": \"bert\"\n}".utf8).write(to: config)
        try Data("a cat\n".utf8).write(to: folder.appendingPathComponent("a.txt"))
        let run = try FuseBinary.run([
            "--model", model.path, "--quiet",
            "--inputs", folder.appendingPathComponent("a.txt").path,
        ])
        #expect(run.status != 0)
        #expect(
            run.errors.contains(
                config.path + ": invalid configuration: line 3, column 3: expected ',' or '}' "
                    + "after an object member, found '\"'"), "\(run.errors)")
        #expect(!run.errors.contains("could not be completed"))
    }
}
