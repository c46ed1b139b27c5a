import Foundation
@testable import FuseTokenizers
import Testing

/// Broken Unigram models and Precompiled char maps are named errors that say which file and what is wrong.
@Suite struct UnigramBadInputTests {
    /// The XLM-R-style fixture with `edit` applied, parsed as `file`.
    private func load(_ file: String, _ edit: (inout [String: Any]) -> Void) throws -> Tokenizer {
        var spec = try UnigramParityTests.spec("xlm_roberta")
        edit(&spec)
        return try Tokenizer.fromJSON(JSONSerialization.data(withJSONObject: spec), file: file)
    }

    private func setCharsmap(_ spec: inout [String: Any], _ value: Any) {
        var normalizer = spec["normalizer"] as! [String: Any]
        var steps = normalizer["normalizers"] as! [[String: Any]]
        steps[0]["precompiled_charsmap"] = value
        normalizer["normalizers"] = steps
        spec["normalizer"] = normalizer
    }

    private func charsmapBytes() throws -> [UInt8] {
        let spec = try UnigramParityTests.spec("xlm_roberta")
        let steps = (spec["normalizer"] as! [String: Any])["normalizers"] as! [[String: Any]]
        return Array(Data(base64Encoded: steps[0]["precompiled_charsmap"] as! String)!)
    }

    @Test(
        "a Precompiled map that is not base64, empty, or cut short",
        arguments: [
            ("not base64", "@@ not base64 @@"), ("empty", ""), ("size only", "AAEAAA=="),
        ])
    func badCharsmapText(_ label: String, _ value: String) throws {
        let error = #expect(throws: TokenizerError.self) { try load("bad.json") { setCharsmap(&$0, value) } }
        guard case .invalidPrecompiledCharsmap(let file, let reason) = error else {
            Issue.record("\(label): \(String(describing: error))"); return
        }
        #expect(file == "bad.json")
        #expect(!reason.isEmpty)
    }

    @Test("a real map truncated inside its trie, and one whose strings are not UTF-8")
    func truncatedCharsmap() throws {
        let bytes = try charsmapBytes()
        for cut in [3, 4, 100, bytes.count / 2] {
            let error = #expect(throws: TokenizerError.self) {
                try load("cut.json") { setCharsmap(&$0, Data(bytes.prefix(cut)).base64EncodedString()) }
            }
            guard case .invalidPrecompiledCharsmap(let file, let reason) = error else {
                Issue.record("cut at \(cut): \(String(describing: error))"); continue
            }
            #expect(file == "cut.json")
            #expect(reason.contains("bytes"), "\(reason)")
        }
        #expect(
            throws: TokenizerError.invalidPrecompiledCharsmap(
                file: "utf8.json", reason: "has replacement strings that are not UTF-8")
        ) {
            try load("utf8.json") { setCharsmap(&$0, Data(bytes + [0xFF, 0xFE]).base64EncodedString()) }
        }
        // A map missing its field is a missing field.
        #expect(throws: TokenizerError.missingField(file: "none.json", field: "normalizer.precompiled_charsmap")) {
            try load("none.json") { setCharsmap(&$0, NSNull()) }
        }
    }

    @Test("a hostile trie (leaves and offsets pointing anywhere) never traps; it only stops matching")
    func hostileTrie() throws {
        var bytes: [UInt8] = [16, 0, 0, 0]
        for unit: UInt32 in [0xFFFF_FFFF, 0x0000_0161, 0x7FFF_FFFF, 0xFFFF_FE00] {
            bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8 & 0xFF), UInt8(unit >> 16 & 0xFF), UInt8(unit >> 24)]
        }
        bytes += Array("x\0".utf8)
        let map = try PrecompiledCharsmap(bytes, file: "hostile")
        let text = Array("abc é 😀 \u{0}".utf8)
        #expect(map.apply(text).count > 0)
    }

    @Test(
        "Unigram scores that are not finite numbers are named with their entry",
        arguments: [
            "\"-1.5\"" as String, "null", "true", "[1]",
        ])
    func badScores(_ score: String) throws {
        var spec = try UnigramParityTests.spec("xlm_roberta")
        var model = spec["model"] as! [String: Any]
        var vocab = model["vocab"] as! [[Any]]
        vocab[7][1] = try JSONSerialization.jsonObject(with: Data(score.utf8), options: .fragmentsAllowed)
        model["vocab"] = vocab
        spec["model"] = model
        let error = #expect(throws: TokenizerError.self) {
            try Tokenizer.fromJSON(JSONSerialization.data(withJSONObject: spec), file: "scores.json")
        }
        guard case .invalidUnigramScore(let file, let piece, let index, _) = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(file == "scores.json" && index == 7 && piece == vocab[7][0] as! String)
    }

    @Test("a Unigram vocabulary entry that is not a [piece, score] pair, or a vocabulary that is not a list")
    func badEntries() throws {
        #expect(
            throws: TokenizerError.invalidJSON(
                file: "entry.json", reason: "model.vocab[2] is not a [piece, score] pair")
        ) {
            try load("entry.json") { spec in
                var model = spec["model"] as! [String: Any]
                var vocab = model["vocab"] as! [Any]
                vocab[2] = ["only a piece"]
                model["vocab"] = vocab
                spec["model"] = model
            }
        }
        #expect(throws: TokenizerError.self) {
            try load("list.json") { spec in
                var model = spec["model"] as! [String: Any]
                model["vocab"] = ["a": 0]
                spec["model"] = model
            }
        }
    }

    @Test("unk_id outside the vocabulary, negative, or not a whole number", arguments: [2502, 100_000, -1])
    func unknownIDOutOfRange(_ id: Int) throws {
        #expect(throws: TokenizerError.unknownIDOutOfRange(file: "unk.json", id: id, vocabularySize: 2502)) {
            try load("unk.json") { spec in
                var model = spec["model"] as! [String: Any]
                model["unk_id"] = id
                spec["model"] = model
            }
        }
        let fractional = #expect(throws: TokenizerError.self) {
            try load("unk.json") { spec in
                var model = spec["model"] as! [String: Any]
                model["unk_id"] = 1.5
                spec["model"] = model
            }
        }
        #expect(fractional?.description.contains("unk_id") == true)
    }

    @Test("without unk_id, a character no piece covers gives no id instead of trapping")
    func noUnknownID() throws {
        let tokenizer = try load("nounk.json") { spec in
            var model = spec["model"] as! [String: Any]
            model["unk_id"] = NSNull()
            spec["model"] = model
        }
        let ids = try tokenizer.encode("☃ hello ☃", addSpecialTokens: false).ids
        #expect(!ids.isEmpty)
        #expect(!ids.contains(3))
    }
}
