import Foundation
import FuseTestSupport
import Testing

/// `fuse setfit train` and `fuse classify` as a user runs them: errors name the file and line and exit non-zero,
/// an existing output is refused with the flag that allows it, and a killed training leaves no model behind.
@Suite(.serialized) struct SetFitCLITests {
    static let body = FixturePaths.models.appendingPathComponent("all-MiniLM-L6-v2").path

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("setfit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func badLabelNamesFileAndLine() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = folder.appendingPathComponent("train.jsonl")
        try Data("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": false}\n".utf8).write(to: train)
        let run = try FuseBinary.run([
            "setfit", "train", "--model", Self.body, "--train", train.path, "--out",
            folder.appendingPathComponent("out").path,
        ])
        #expect(run.status != 0)
        #expect(run.errors.contains("train.jsonl:2: the label is the boolean false"), "\(run.errors)")
    }

    @Test func existingOutputNeedsForce() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FuseBinary.run([
            "setfit", "train", "--model", Self.body, "--train",
            FixturePaths.samples.appendingPathComponent("setfit/sentiment-train.jsonl").path, "--out", folder.path,
        ])
        #expect(run.status != 0)
        #expect(run.errors.contains("already exists; pass --force to overwrite it"), "\(run.errors)")
    }

    @Test func killedTrainingLeavesNoModel() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("model")
        let killed = try FuseBinary.runKilled(
            [
                "setfit", "train", "--model", Self.body, "--train",
                FixturePaths.samples.appendingPathComponent("setfit/sentiment-train.jsonl").path, "--out", out.path,
            ], after: 4)
        #expect(killed, "training finished before the kill; the check would be vacuous")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func classifyPrintsLabelsAndJSON() throws {
        let model = FixturePaths.url("setfit/converted").path
        let plain = try FuseBinary.run(["classify", "--model", model, "w5 w7", "w41 w43"])
        #expect(plain.status == 0, "\(plain.errors)")
        let lines = plain.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("\tw5 w7") == true)
        let json = try FuseBinary.run(["classify", "--model", model, "--json", "w20 w24 w21"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect((object?["probabilities"] as? [String: Double])?.count == 3)
        let missing = try FuseBinary.run(["classify", "--model", FixturePaths.url("setfit/tiny-bert").path, "x"])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("model_head.safetensors is missing"))
    }
}
