import Foundation
import FuseTestSupport
import Testing

@testable import FuseNER

/// `fuse ner` end to end: its entities are the library's (which the parity suite ties to gliner), and bad input
/// is reported in the CLI's own terms.
@Suite struct NERCommandTests {
    static let model = FixturePaths.url("ner/gliner-tiny").path

    @Test func jsonLinesMatchTheLibrary() throws {
        let fixture = try GLiNERFixture.load("gliner-tiny")
        let item = fixture.cases[2]
        let run = item.runs[1]
        var arguments = [
            "ner", "--model", Self.model, "--labels", item.labels.joined(separator: ","), "--json",
            "--threshold", "\(run.options.threshold)", run.options.flat ? "--flat" : "--nested",
        ]
        if run.options.multiLabel { arguments.append("--multi-label") }
        let result = try FuseBinary.run(arguments + [item.text, "Alice works at Acme Corp in Paris."])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(first["index"] as? Int == 0)
        let entities = (first["entities"] as! [[String: Any]]).map {
            Entity(
                text: $0["text"] as! String, label: $0["label"] as! String,
                score: ($0["score"] as! NSNumber).floatValue, start: $0["start"] as! Int, end: $0["end"] as! Int)
        }
        #expect(sameEntities(entities, run.entities), "\(entities) vs \(run.entities)")
    }

    @Test func jsonlInputEchoesIDs() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ner-\(UUID()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("{\"text\": \"Alice in Paris\", \"id\": \"a-1\"}\n{\"text\": \"Bob\"}\n".utf8).write(to: file)
        let result = try FuseBinary.run([
            "ner", "--model", Self.model, "--labels", "person", "--json", "--input", file.path,
        ])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(lines.count == 2)
        #expect(lines[0]["id"] as? String == "a-1")
        #expect(lines[1]["id"] == nil && lines[1]["index"] as? Int == 1)
    }

    @Test func badInputIsNamedWithFlags() throws {
        let blankLabels = try FuseBinary.run(["ner", "--model", Self.model, "--labels", " ", "hello"])
        #expect(blankLabels.status != 0 && blankLabels.errors.contains("--labels is empty"))
        let emptyEntry = try FuseBinary.run(["ner", "--model", Self.model, "--labels", "person,,date", "hello"])
        #expect(emptyEntry.errors.contains("--labels entry 2 is empty"))
        let blankText = try FuseBinary.run(["ner", "--model", Self.model, "--labels", "person", "hi", "  "])
        #expect(blankText.errors.contains("TEXT argument 2 has no words"))
        let noModel = try FuseBinary.run(["ner", "--labels", "person", "hi"])
        #expect(noModel.status != 0 && noModel.errors.contains("--model"))
        let notGLiNER = try FuseBinary.run(["ner", "--model", FixturePaths.url("ner").path, "--labels", "a", "hi"])
        #expect(notGLiNER.status != 0 && notGLiNER.errors.contains("gliner_config.json"))
    }

    /// `--precision int8` prints the library's int8 entities; an unknown precision is a usage error naming the known.
    @Test func precisionFlagReachesTheModel() throws {
        let fixture = try GLiNERFixture.load("gliner-tiny")
        let item = fixture.cases[2]
        let model = try NERModel.load(directory: FixturePaths.url("ner/gliner-tiny"), precision: .int8)
        let expected = try model.extract(item.text, labels: item.labels)
        let result = try FuseBinary.run([
            "ner", "--model", Self.model, "--labels", item.labels.joined(separator: ","), "--json", "--precision",
            "int8", item.text,
        ])
        #expect(result.status == 0, "\(result.errors)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        let entities = (object["entities"] as! [[String: Any]]).map {
            Entity(
                text: $0["text"] as! String, label: $0["label"] as! String,
                score: ($0["score"] as! NSNumber).floatValue, start: $0["start"] as! Int, end: $0["end"] as! Int)
        }
        #expect(sameEntities(entities, expected, tolerance: 1e-5), "\(entities) vs \(expected)")
        let unknown = try FuseBinary.run(["ner", "--model", Self.model, "--labels", "a", "--precision", "fp16", "hi"])
        #expect(unknown.status != 0 && unknown.errors.contains("int8"))
    }
}
