import Foundation
@testable import FuseTokenizers
import Testing

/// Token ids identical to Hugging Face tokenizers 0.23 (fixtures from tools/reference/text_fixtures.py):
/// tolerance zero — every id, type id and decoded string must match exactly.
@Suite struct ParityTests {
    /// (tokenizer file or folder, expected-output file)
    static let tokenizers: [(String, String)] = [
        ("bytelevel_bpe/tokenizer.json", "bytelevel_bpe/expected.json"),
        ("bytelevel_bpe/files", "bytelevel_bpe/files/expected.json"),
        ("metaspace_bpe/tokenizer.json", "metaspace_bpe/expected.json"),
        ("llama_bpe/tokenizer.json", "llama_bpe/expected.json"),
        ("clip/bpe_simple_vocab_16e6.txt.gz", "clip/expected.json"),
        ("minilm/tokenizer.json", "minilm/expected.json"),
    ]

    @Test(arguments: tokenizers)
    func idsMatchHuggingFace(tokenizerPath: String, expectedPath: String) throws {
        var tokenizer = try TextFixtures.tokenizer(tokenizerPath)
        tokenizer.truncation = nil
        tokenizer.padding = nil
        let expected = try TextFixtures.expected(expectedPath)
        #expect(expected.cases.count > 30)
        for c in expected.cases {
            let encoding = try tokenizer.encode(c.text)
            #expect(encoding.ids == c.ids, "\(tokenizerPath): \(c.text.debugDescription)")
            if let tokens = c.tokens {
                #expect(encoding.tokens == tokens, "\(tokenizerPath): \(c.text.debugDescription)")
            }
            if let types = c.type_ids { #expect(encoding.typeIDs == types) }
            if let raw = c.ids_no_special {
                #expect(
                    try tokenizer.encode(c.text, addSpecialTokens: false).ids == raw,
                    "\(tokenizerPath): \(c.text.debugDescription)")
            }
        }
    }

    @Test(arguments: tokenizers)
    func decodeMatchesHuggingFace(tokenizerPath: String, expectedPath: String) throws {
        let tokenizer = try TextFixtures.tokenizer(tokenizerPath)
        let expected = try TextFixtures.expected(expectedPath)
        for c in expected.cases {
            if let decoded = c.decoded {
                #expect(
                    tokenizer.decode(c.ids, skipSpecialTokens: true) == decoded,
                    "\(tokenizerPath): \(c.text.debugDescription)")
            }
            if let decoded = c.decoded_with_special {
                #expect(
                    tokenizer.decode(c.ids, skipSpecialTokens: false) == decoded,
                    "\(tokenizerPath): \(c.text.debugDescription)")
            }
        }
    }

    @Test(arguments: tokenizers)
    func batchEqualsSingle(tokenizerPath: String, expectedPath: String) throws {
        var tokenizer = try TextFixtures.tokenizer(tokenizerPath)
        tokenizer.truncation = nil
        tokenizer.padding = nil
        let expected = try TextFixtures.expected(expectedPath)
        let texts = Array(repeating: expected.cases.map(\.text), count: 8).flatMap { $0 }
        let batch = try tokenizer.encodeBatch(texts)
        for (i, encoding) in batch.enumerated() {
            #expect(encoding.ids == expected.cases[i % expected.cases.count].ids)
        }
    }

    /// HF `enable_truncation(12)` + `enable_padding(length=16)`: ids, attention mask and type ids.
    @Test(arguments: ["bytelevel_bpe", "metaspace_bpe", "minilm"])
    func truncationAndPadding(folder: String) throws {
        var tokenizer = try TextFixtures.tokenizer("\(folder)/tokenizer.json")
        let expected = try TextFixtures.expected("\(folder)/expected.json")
        let padToken = folder == "minilm" ? "[PAD]" : folder == "metaspace_bpe" ? "<unk>" : "<|endoftext|>"
        tokenizer.truncation = Truncation(maxLength: 12)
        tokenizer.padding = Padding(strategy: .fixed(16), padID: 0, padToken: padToken)
        let cases = try #require(expected.truncated)
        let batch = try tokenizer.encodeBatch(cases.map(\.text))
        for (c, encoding) in zip(cases, batch) {
            #expect(encoding.ids == c.ids, "\(folder): \(c.text.debugDescription)")
            #expect(encoding.attentionMask == c.attention_mask)
            #expect(encoding.typeIDs == c.type_ids)
        }
    }

    /// all-MiniLM-L6-v2's tokenizer.json as saved: truncation and padding to 128.
    @Test func miniLMSettingsFromFile() throws {
        let tokenizer = try TextFixtures.tokenizer("minilm/tokenizer.json")
        let cases = try #require(try TextFixtures.expected("minilm/expected.json").as_saved)
        for (c, encoding) in zip(cases, try tokenizer.encodeBatch(cases.map(\.text))) {
            #expect(encoding.ids == c.ids)
            #expect(encoding.attentionMask == c.attention_mask)
        }
    }

    /// BERT's vocab.txt gives the ids of transformers' BertTokenizerFast.
    @Test func bertVocabTxt() throws {
        let tokenizer = try TextFixtures.tokenizer("minilm/vocab.txt")
        let expected = try TextFixtures.expected("minilm/expected.json")
        let ids = try #require(expected.vocab_txt_ids)
        for (c, want) in zip(expected.cases, ids) {
            #expect(try tokenizer.encode(c.text).ids == want, "\(c.text.debugDescription)")
        }
    }

    /// CLIP's context of 77: truncation keeps the end token, padding with <|endoftext|>.
    @Test func clipContext77() throws {
        var tokenizer = try TextFixtures.tokenizer("clip/bpe_simple_vocab_16e6.txt.gz")
        let c = try #require(try TextFixtures.expected("clip/expected.json").context77)
        tokenizer.padding = Padding(strategy: .fixed(77), padID: 49407, padToken: "<|endoftext|>")
        let encoding = try tokenizer.encode(c.text)
        #expect(encoding.ids == c.ids)
        #expect(encoding.attentionMask == c.attention_mask)
        #expect(encoding.ids.count == 77 && encoding.ids.last == 49407)
    }

    /// HF's CLIP tokenizer.json (vocab and merges restored from the merges file) gives the same ids.
    @Test func clipTokenizerJSON() throws {
        let skeleton = try JSONSerialization.jsonObject(
            with: Data(contentsOf: TextFixtures.url("clip/tokenizer.skeleton.json")))
        var root = try #require(skeleton as? [String: Any])
        let reference = try TextFixtures.tokenizer("clip/bpe_simple_vocab_16e6.txt.gz")
        var model = try #require(root["model"] as? [String: Any])
        model["vocab"] = reference.vocabulary.mapValues { Int($0) }
        let merges = try Tokenizer.mergeLines(
            String(
                decoding: gunzip(Data(contentsOf: TextFixtures.url("clip/bpe_simple_vocab_16e6.txt.gz")), path: "clip"),
                as: UTF8.self
            )
            .split(separator: "\n", omittingEmptySubsequences: false)[1..<(49152 - 256 - 2 + 1)].joined(
                separator: "\n"),
            file: "clip")
        model["merges"] = merges.map { [$0.0, $0.1] }
        root["model"] = model
        let tokenizer = try Tokenizer.fromJSON(
            JSONSerialization.data(withJSONObject: root), file: "clip tokenizer.json")
        for c in try TextFixtures.expected("clip/expected.json").cases {
            #expect(try tokenizer.encode(c.text).ids == c.ids, "\(c.text.debugDescription)")
            #expect(tokenizer.decode(c.ids) == c.decoded)
        }
    }
}
