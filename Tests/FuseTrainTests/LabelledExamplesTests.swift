import Foundation
import Testing

@testable import FuseTrain

/// Reading training files: JSON Lines and CSV, labels strings or integers, and a clear error naming file and line
/// for everything else (wrong label kinds, empty or duplicate texts, malformed lines). Also SetFit's refusals of
/// fewer than two classes and of single-example classes at the pair stage.
@Suite struct LabelledExamplesTests {
    static func file(_ name: String, _ content: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try Data(content.utf8).write(to: url)
        return url
    }

    static func message(_ name: String, _ content: String) throws -> String? {
        let url = try file(name, content)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try LabelledExamples.read(url)
            return nil
        } catch let error as SetFitError {
            return error.description
        }
    }

    @Test func readsJSONLinesWithStringAndIntegerLabels() throws {
        let url = try Self.file(
            "a.jsonl", "{\"text\": \"one\", \"label\": 1}\n\n{\"text\": \"two\", \"label\": \"b\"}\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let examples = try LabelledExamples.read(url)
        #expect(examples.texts == ["one", "two"])
        #expect(examples.labels == [.integer(1), .string("b")])
        #expect(examples.classes == [.integer(1), .string("b")])
    }

    @Test func readsQuotedCSV() throws {
        let url = try Self.file(
            "a.csv", "label,text\npos,\"good, really\"\nneg,\"said \"\"no\"\"\nthen left\"\n3,plain\n")
        defer { try? FileManager.default.removeItem(at: url) }
        let examples = try LabelledExamples.read(url)
        #expect(examples.texts == ["good, really", "said \"no\"\nthen left", "plain"])
        #expect(examples.labels == [.string("pos"), .string("neg"), .integer(3)])
    }

    @Test(arguments: [
        ("{\"text\": \"x\", \"label\": true}", ":1: the label is the boolean true"),
        ("{\"text\": \"x\", \"label\": 1.5}", ":1: the label is the fraction 1.5"),
        ("{\"text\": \"x\", \"label\": null}", ":1: the label is null"),
        ("{\"text\": \"x\", \"label\": [1]}", ":1: the label is an array or object"),
        ("{\"text\": \"x\"}", ":1: no field \"label\""),
        ("{\"label\": 1}", ":1: no string field \"text\""),
        ("not json", ":1: not a JSON object"),
        ("{\"text\": \"  \", \"label\": 1}", ":1: the text is empty"),
        ("{\"text\": \"a\", \"label\": 1}\n{\"text\": \"a\", \"label\": 2}", ":2: the same text as line 1"),
        ("", "holds no examples"),
    ])
    func refusesBadJSONLines(content: String, expected: String) throws {
        let message = try Self.message("bad.jsonl", content)
        #expect(message?.contains("bad.jsonl") == true)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
    }

    @Test func refusesCSVWithoutTheColumnsOrWithRaggedRows() throws {
        #expect(try Self.message("bad.csv", "sentence,label\nx,1\n")?.contains("needs columns") == true)
        #expect(try Self.message("bad.csv", "text,label\nx,1,2\n")?.contains(":2: 3 fields") == true)
        #expect(try Self.message("bad.csv", "text,label\n\"open,1\n")?.contains("never closed") == true)
    }

    @Test func pairSamplingRefusesOneClassAndSingletons() {
        #expect(throws: SetFitError.self) { try PairSampler.pairs(labels: [0, 0, 0]) }
        #expect(throws: SetFitError.self) { try PairSampler.pairs(labels: [0, 0, 1]) }
        #expect(throws: SetFitError.self) { try PairSampler.pairs(labels: [0, 0, 1, 1], numIterations: 0) }
    }
}
