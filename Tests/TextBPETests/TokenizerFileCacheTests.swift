import Foundation
import Testing

@testable import FuseTokenizers

/// `TokenizerFileCache`: a model load and the text plugin share one parse of a `tokenizer.json`, but a file changed
/// on disk, or another file, is never answered from the cache.
@Suite("tokenizer.json parsed once per file version")
struct TokenizerFileCacheTests {
    static func wordPiece(_ words: [String]) -> String {
        let vocab = (["[UNK]"] + words).enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ")
        return #"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"# + vocab + "}}}"
    }

    @Test func aChangedFileIsParsedAgainAndALinkSharesTheEntry() throws {
        let folder = try LoaderErrorTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try LoaderErrorTests.write(Self.wordPiece(["a", "b"]), "tokenizer.json", in: folder)
        #expect(try Tokenizer.load(from: file).vocabSize == 3)
        // The same bytes through a symbolic link and through the folder: the same answer.
        let link = folder.appendingPathComponent("link.json")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        #expect(try Tokenizer.load(from: link).vocabSize == 3)
        #expect(try Tokenizer.load(from: folder).vocabSize == 3)
        // Rewritten with another vocabulary and another modification time: parsed again.
        try Data(Self.wordPiece(["a", "b", "c", "d"]).utf8).write(to: file)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: file.path)
        #expect(try Tokenizer.load(from: file).vocabSize == 5)
        #expect(try Tokenizer.load(from: link).vocabSize == 5)
        // A broken file is still an error, whatever was cached for the path before.
        try Data("{".utf8).write(to: file)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: 120)], ofItemAtPath: file.path)
        #expect(throws: TokenizerError.self) { try Tokenizer.load(from: file) }
    }

    @Test func theCacheKeepsOnlyTheLastFewFiles() throws {
        let folder = try LoaderErrorTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for index in 0..<(TokenizerFileCache.capacity + 2) {
            let words = (0...index).map { "w\($0)" }
            let file = try LoaderErrorTests.write(Self.wordPiece(words), "t\(index).json", in: folder)
            #expect(try Tokenizer.load(from: file).vocabSize == index + 2)
        }
        #expect(TokenizerFileCache.count <= TokenizerFileCache.capacity)
    }
}
