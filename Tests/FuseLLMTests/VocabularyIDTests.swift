import Foundation
@testable import FuseLLM
import FuseTokenizers
import Testing

/// `LLMVocabulary` refuses ids that cannot index a token table, and gives added tokens the ids `Tokenizer` (and HF
/// tokenizers) gives them.
@Suite struct VocabularyIDTests {
    private func write(vocab: String, added: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("llm-vocab-\(UUID().uuidString).json")
        let json = """
            {"added_tokens": [\(added)], "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
             "model": {"type": "BPE", "vocab": {\(vocab)}, "merges": []}}
            """
        try Data(json.utf8).write(to: url)
        return url
    }

    @Test(
        "ids that are negative, fractional, beyond 2²⁴ or beyond Int are named errors",
        arguments: [
            (#""a": 0, "b": -1"#, ""),
            (#""a": 0, "b": 1099511627776"#, ""),
            (#""a": 0, "b": 1e19"#, ""),
            (#""a": 0, "b": 1.5"#, ""),
            (#""a": 0"#, #"{"id": -5, "content": "<x>"}"#),
            (#""a": 0"#, #"{"id": 1099511627776, "content": "<x>"}"#),
            (#""a": 0"#, #"{"id": true, "content": "<x>"}"#),
        ])
    func hostileIDs(vocab: String, added: String) throws {
        let url = try write(vocab: vocab, added: added)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            _ = try LLMVocabulary.load(tokenizerFile: url)
        } throws: { error in
            guard case LLMError.invalidTokenizer(let file, _) = error else { return false }
            return file == url.path
        }
    }

    @Test func addedTokenIDsAgreeWithTheTokenizer() throws {
        // [X] twice (ids 9 and 2), then a vocabulary token written with another id: HF gives [X] the vocabulary size.
        let url = try write(
            vocab: #""a": 0, "b": 1, "c": 2"#,
            added: #"{"id": 9, "content": "[X]"}, {"id": 2, "content": "[X]"}, {"id": 7, "content": "a"}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        let vocabulary = try LLMVocabulary.load(tokenizerFile: url)
        let tokenizer = try Tokenizer.fromJSON(FileContents.data(at: url))
        #expect(vocabulary.tokens == ["a", "b", "c", "[X]"])
        for (token, id) in vocabulary.ids {
            #expect(tokenizer.id(forToken: token) == id, "\(token)")
        }
    }
}
