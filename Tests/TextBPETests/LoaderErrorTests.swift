import Foundation
@testable import FuseTokenizers
import Testing

/// Malformed tokenizer files: each gives a named `TokenizerError` that names the file and what is wrong.
@Suite("Tokenizer loaders reject bad files")
struct LoaderErrorTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// (tokenizer.json content, expected error for a file at PATH)
    static let jsonCases: [(String, String, @Sendable (String) -> TokenizerError)] = [
        (
            "missing model", #"{"version": "1.0", "added_tokens": []}"#,
            { .missingField(file: $0, field: "model") }
        ),
        (
            "unknown model type", #"{"model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}}"#,
            { .unknownModelType(file: $0, type: "WordLevel") }
        ),
        (
            "merge of an absent token",
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a c"]}}"#,
            { .mergeReferencesAbsentToken(file: $0, merge: "a c", token: "c") }
        ),
        (
            "merge whose result is absent",
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [["a", "b"]]}}"#,
            { .mergeReferencesAbsentToken(file: $0, merge: "a b", token: "ab") }
        ),
        (
            "empty BPE vocab", #"{"model": {"type": "BPE", "vocab": {}, "merges": []}}"#,
            { .emptyVocabulary(file: $0) }
        ),
        (
            "empty WordPiece vocab", #"{"model": {"type": "WordPiece", "vocab": {}, "unk_token": "[UNK]"}}"#,
            { .emptyVocabulary(file: $0) }
        ),
        (
            "BPE without vocab", #"{"model": {"type": "BPE", "merges": []}}"#,
            { .missingField(file: $0, field: "model.vocab") }
        ),
        (
            "negative id", #"{"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}}"#,
            { .invalidTokenID(file: $0, token: "a", id: -3) }
        ),
        (
            "WordPiece without its unknown token",
            #"{"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}}"#,
            { .unknownToken(file: $0, token: "[UNK]") }
        ),
        (
            "unsupported normalizer",
            #"{"normalizer": {"type": "Nmt"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#,
            { .unsupportedComponent(file: $0, field: "normalizer", type: "Nmt") }
        ),
        (
            "Precompiled without its map",
            #"{"normalizer": {"type": "Precompiled"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#,
            { .missingField(file: $0, field: "normalizer.precompiled_charsmap") }
        ),
    ]

    @Test("malformed tokenizer.json", arguments: jsonCases.indices)
    func malformedJSON(index: Int) throws {
        let (_, content, expected) = Self.jsonCases[index]
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try Self.write(content, "tokenizer.json", in: folder)
        #expect(throws: expected(file.path)) { try Tokenizer.load(from: file) }
        // Loading the folder finds the same file and fails the same way.
        #expect(throws: expected(file.path)) { try Tokenizer.load(from: folder) }
    }

    @Test("not JSON at all: invalidJSON naming the file")
    func notJSON() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try Self.write("{\"model\": {\"type\": \"BPE\",", "tokenizer.json", in: folder)
        #expect {
            try Tokenizer.load(from: file)
        } throws: { error in
            guard case TokenizerError.invalidJSON(let named, _) = error else { return false }
            return named == file.path
        }
    }

    @Test("empty vocab.txt, empty vocab.json, vocab.json without merges.txt, a malformed merges line")
    func vocabularyFiles() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vocabTxt = try Self.write("", "vocab.txt", in: folder)
        #expect(throws: TokenizerError.emptyVocabulary(file: vocabTxt.path)) { try Tokenizer.load(from: vocabTxt) }
        let noUnk = try Self.write("[CLS]\n[SEP]\nhello\n", "vocab.txt", in: folder)
        #expect(throws: TokenizerError.unknownToken(file: noUnk.path, token: "[UNK]")) {
            try Tokenizer.load(from: noUnk)
        }

        let gpt2 = try Self.folder()
        defer { try? FileManager.default.removeItem(at: gpt2) }
        let vocabJSON = try Self.write("{\"a\": 0}", "vocab.json", in: gpt2)
        #expect(throws: TokenizerError.fileNotFound(path: gpt2.appendingPathComponent("merges.txt").path)) {
            try Tokenizer.load(from: vocabJSON)
        }
        _ = try Self.write("#version: 0.2\na b c\n", "merges.txt", in: gpt2)
        #expect(
            throws: TokenizerError.malformedMerge(
                file: gpt2.appendingPathComponent("merges.txt").path, line: 2,
                text: "a b c")
        ) {
            try Tokenizer.load(from: vocabJSON)
        }
        let emptyJSON = try Self.write("{}", "vocab.json", in: gpt2)
        _ = try Self.write("#version: 0.2\n", "merges.txt", in: gpt2)
        #expect(throws: TokenizerError.emptyVocabulary(file: emptyJSON.path)) { try Tokenizer.load(from: emptyJSON) }
    }

    @Test("unreadable files: a missing path, a corrupt CLIP .gz, a folder with no tokenizer files")
    func unreadable() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.json")
        #expect(throws: TokenizerError.fileNotFound(path: missing.path)) { try Tokenizer.load(from: missing) }
        #expect(throws: TokenizerError.noTokenizerFiles(directory: folder.path)) { try Tokenizer.load(from: folder) }
        let gz = folder.appendingPathComponent("bpe_simple_vocab_16e6.txt.gz")
        try Data([0x1F, 0x8B, 0x08, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x01, 0x02]).write(to: gz)
        #expect {
            try Tokenizer.load(from: gz)
        } throws: { error in
            guard case TokenizerError.unreadable(let path, _) = error else { return false }
            return path == gz.path
        }
    }
}
