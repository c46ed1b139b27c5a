import Foundation
import FuseCore
@testable import FuseTokenizers
import Testing

/// SentencePiece Unigram tokenizers (Unigram model, Precompiled `nmt_nfkc` char map, Strip/Replace normalizers,
/// Metaspace pre-tokenizer and decoder) against Hugging Face tokenizers 0.23 on the fixtures of
/// tools/reference/text_unigram_fixtures.py: 3,214 lines mixing scripts, full-width forms, emoji, combining marks,
/// control characters and special tokens. Tolerance zero: every id of every line, every decoded string.
/// `tiny_rules` has a char map compiled from a few custom rules (one key a prefix of another, a rule to nothing).
@Suite struct UnigramParityTests {
    struct Expected: Decodable {
        let texts: [String]
        let decoded: [String: [String]]
        let ids: [String: [String]]

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            texts = try container.decode([String].self, forKey: Key(stringValue: "texts"))
            decoded = try container.decode([String: [String]].self, forKey: Key(stringValue: "decoded"))
            var ids: [String: [String]] = [:]
            for key in container.allKeys where key.stringValue != "texts" && key.stringValue != "decoded" {
                ids[key.stringValue] = try container.decode([String].self, forKey: key)
            }
            self.ids = ids
        }
    }

    static let folder = TextFixtures.url("unigram")
    static let expected: Expected = {
        let path = folder.appendingPathComponent("expected.json.gz")
        let data = try! gunzip(Data(contentsOf: path), path: path.path)
        return try! JSONDecoder().decode(Expected.self, from: data)
    }()

    /// The fixture's tokenizer.json as an editable object.
    static func spec(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("\(name).tokenizer.json"))
        return try JSONErrorReason.jsonObject(data) { TokenizerError.invalidJSON(file: name, reason: $0) }
            as! [String: Any]
    }

    /// The edits tools/reference/text_unigram_fixtures.py's `variant` makes to xlm_roberta.tokenizer.json.
    static func variant(_ name: String) throws -> Tokenizer {
        var spec = try spec("xlm_roberta")
        func metaspace(_ fields: [String: Any]) {
            let step = fields.merging(["type": "Metaspace", "replacement": "▁"]) { a, _ in a }
            spec["pre_tokenizer"] = step
            spec["decoder"] = step
        }
        switch name {
        case "byte_fallback":
            var model = spec["model"] as! [String: Any]
            model["byte_fallback"] = true
            spec["model"] = model
        case "first_nosplit": metaspace(["prepend_scheme": "first", "split": false])
        case "never": metaspace(["prepend_scheme": "never", "split": true])
        case "legacy_prefix": metaspace(["add_prefix_space": true])
        default: Issue.record("unknown variant \(name)")
        }
        return try Tokenizer.fromJSON(JSONSerialization.data(withJSONObject: spec), file: "xlm_roberta.\(name)")
    }

    static func tokenizer(_ key: String) throws -> Tokenizer {
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 { return try variant(parts[1]) }
        return try Tokenizer.load(from: folder.appendingPathComponent("\(key).tokenizer.json"))
    }

    @Test(
        "ids identical to HF tokenizers on every line",
        arguments: [
            "deberta_v3", "xlm_roberta", "tiny_rules", "xlm_roberta.byte_fallback", "xlm_roberta.first_nosplit",
            "xlm_roberta.never",
            "xlm_roberta.legacy_prefix",
        ])
    func ids(_ key: String) throws {
        let tokenizer = try Self.tokenizer(key)
        let expected = try #require(Self.expected.ids[key])
        #expect(expected.count >= 600)
        var mismatches = 0
        for (text, reference) in zip(Self.expected.texts, expected) {
            let ids = try tokenizer.encode(text).ids.map(String.init).joined(separator: " ")
            if ids != reference {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record(
                        "\(key): \(text.unicodeScalars.map { String($0.value, radix: 16) })\n ours \(ids)\n HF   \(reference)"
                    )
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(expected.count) lines differ")
        if !key.contains(".") { #expect(expected.count >= 3000) }
    }

    @Test("batch encoding on all cores gives the same ids as one at a time")
    func batch() throws {
        let tokenizer = try Self.tokenizer("xlm_roberta")
        let texts = Array(Self.expected.texts.prefix(500))
        let batch = try tokenizer.encodeBatch(texts).map { $0.ids.map(String.init).joined(separator: " ") }
        #expect(batch == Array(Self.expected.ids["xlm_roberta"]!.prefix(500)))
    }

    @Test("decode (Metaspace decoder, special tokens skipped) equals HF's", arguments: ["deberta_v3", "xlm_roberta"])
    func decode(_ key: String) throws {
        let tokenizer = try Self.tokenizer(key)
        let decoded = try #require(Self.expected.decoded[key])
        for (index, reference) in decoded.enumerated() {
            let ids = try tokenizer.encode(Self.expected.texts[index]).ids
            #expect(tokenizer.decode(ids) == reference, "line \(index)")
        }
    }

    @Test("the vocabulary reader gives the size the tokenizer has, added tokens included")
    func vocabularySize() throws {
        for name in ["deberta_v3", "xlm_roberta"] {
            let url = Self.folder.appendingPathComponent("\(name).tokenizer.json")
            let section = try TokenizerVocabularySection.read(tokenizerFile: url)
            #expect(section.size == (try Tokenizer.load(from: url)).vocabSize)
            #expect(section.modelType == "Unigram")
        }
    }
}
