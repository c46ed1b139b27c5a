import Foundation
import FuseCore
import FuseModels
import FuseTestSupport
import Testing

@testable import FuseNER

/// Bad labels, texts and checkpoints give typed errors naming what is wrong, never a crash.
@Suite struct NERBadInputTests {
    static let model = Result { try NERModel.load(directory: FixturePaths.url("ner/gliner-tiny")) }

    @Test func labelsMustBeGiven() throws {
        let model = try Self.model.get()
        #expect(throws: NERError.noLabels) { try model.extract("Alice works at Acme.", labels: []) }
        #expect(throws: NERError.emptyLabel(index: 1)) {
            try model.extract("Alice works at Acme.", labels: ["person", "  "])
        }
    }

    @Test func labelsOverThePromptBudget() throws {
        let model = try Self.model.get()
        // The fixture backbone takes 512 tokens; 200 labels of several pieces each do not fit.
        let labels = (0..<200).map { "label number \($0) of Oxford" }
        #expect {
            try model.extract("Alice works at Acme.", labels: labels)
        } throws: { error in
            guard case NERError.labelsOverBudget(let count, let tokens, let limit) = error else { return false }
            return count == 200 && tokens > limit && limit == 512
        }
    }

    @Test func textsWithoutWords() throws {
        let model = try Self.model.get()
        #expect(throws: NERError.noWords(index: 1)) {
            try model.extract(["Alice works at Acme.", " \n\t "], labels: ["person"])
        }
        #expect(throws: NERError.noWords(index: 0)) { try model.extract("", labels: ["person"]) }
    }

    @Test func windowOverlapMustLeaveNewWords() throws {
        let model = try Self.model.get()
        let options = ExtractionOptions(windowOverlap: 40)
        #expect(throws: NERError.windowOverlapTooLarge(overlap: 40, maxWords: 40)) {
            try model.extract("Alice works at Acme.", labels: ["person"], options: options)
        }
    }

    @Test func checkpointWithoutBackboneConfig() throws {
        let folder = try copyOfFixture(removing: "config.json")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The fixture's gliner_config.json carries encoder_config: without config.json the model still loads.
        _ = try NERModel.load(directory: folder)
        try stripEncoderConfig(folder)
        #expect(throws: NERError.missingBackboneConfig(directory: folder.path)) {
            try NERModel.load(directory: folder)
        }
    }

    @Test func tokenizerWithoutGLiNERTokens() throws {
        let folder = try copyOfFixture(removing: nil)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("tokenizer.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        json["added_tokens"] = (json["added_tokens"] as! [[String: Any]]).filter {
            !["<<ENT>>", "<<SEP>>"].contains($0["content"] as! String)
        }
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        #expect(throws: NERError.missingAddedTokens(file: url.path, tokens: ["<<ENT>>", "<<SEP>>"])) {
            try NERModel.load(directory: folder)
        }
    }

    @Test func unsupportedSpanMode() throws {
        let folder = try copyOfFixture(removing: nil)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("gliner_config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        json["span_mode"] = "token_level"
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        #expect {
            try NERModel.load(directory: folder)
        } throws: { error in
            guard case NERError.unsupportedConfig(let file, let field, let value, _) = error else { return false }
            return file == url.path && field == "span_mode" && value == "token_level"
        }
    }

    @Test func missingFolderAndWeights() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-gliner-\(UUID())")
        #expect(throws: (any Error).self) { try NERModel.load(directory: missing) }
        let folder = try copyOfFixture(removing: "model.safetensors")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try NERModel.load(directory: folder)
        } throws: { error in
            "\(error)".contains(folder.path)
        }
    }

    private func copyOfFixture(removing file: String?) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gliner-bad-\(UUID())")
        try FileManager.default.copyItem(at: FixturePaths.url("ner/gliner-tiny"), to: folder)
        if let file { try FileManager.default.removeItem(at: folder.appendingPathComponent(file)) }
        return folder
    }

    private func stripEncoderConfig(_ folder: URL) throws {
        let url = folder.appendingPathComponent("gliner_config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        json["encoder_config"] = NSNull()
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }
}
