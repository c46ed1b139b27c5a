import Foundation
import FuseCore
@testable import FuseTokenizers
import Testing
@testable import TextBPE

/// Issue 17: an empty text file was embedded silently as the empty string (`[CLS] [SEP]`); text files in a
/// symbolic link loop were "no such file or directory"; a broken tokenizer.json said "invalid JSON: The operation
/// could not be completed".
@Suite struct EmptyTextFileTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("text-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(
        "a zero-byte text file, or one holding only a byte-order mark, is FuseError.emptyFile naming it",
        arguments: [[UInt8](), [0xEF, 0xBB, 0xBF]])
    func emptyFileIsNamedError(_ bytes: [UInt8]) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("empty.txt")
        try Data(bytes).write(to: url)
        #expect(throws: FuseError.emptyFile(path: url.path)) { try TextPlugin().decode(contentsOf: url) }
        #expect(throws: FuseError.emptyFile(path: url.path)) { try TextFileReader().read(contentsOf: url) }
        #expect(FuseError.emptyFile(path: url.path).description == "\(url.path): the file is empty")
    }

    @Test("a whitespace-only file is text: read as it is, tokenized as HF tokenizers do")
    func whitespaceOnlyFileIsRead() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("blank.txt")
        try Data(" \n\t\n".utf8).write(to: url)
        guard case .text(let text) = try TextPlugin().decode(contentsOf: url) else {
            Issue.record("not a text sample")
            return
        }
        #expect(text == " \n\t\n")
    }

    @Test("a text file in a symbolic link loop is reported as a loop, not as missing")
    func symbolicLinkLoop() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let loop = folder.appendingPathComponent("loop.txt")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        #expect(throws: FuseError.symbolicLinkLoop(path: loop.path)) { try TextPlugin().decode(contentsOf: loop) }
        #expect(throws: FuseError.symbolicLinkLoop(path: loop.path)) { try Tokenizer.load(from: loop) }
    }

    @Test("a tokenizer.json that is not JSON: the message gives line, column and what is wrong")
    func invalidTokenizerJSONIsPlaced() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tokenizer.json")
        try Data("{\"version\": \"1.0\",\n \"model\": {\"type\": \"WordPiece\",, }\n}".utf8).write(to: file)
        #expect(
            throws: TokenizerError.invalidJSON(
                file: file.path,
                reason: "line 2, column 32: expected a string key, found ','")
        ) {
            try Tokenizer.load(from: file)
        }
        let vocab = folder.appendingPathComponent("vocab.json")
        try Data("{\"a\": 0\n\"b\": 1}".utf8).write(to: vocab)
        try Data("#version: 0.2\n".utf8).write(to: folder.appendingPathComponent("merges.txt"))
        #expect(
            throws: TokenizerError.invalidJSON(
                file: vocab.path, reason: "line 2, column 1: expected ',' or '}' after an object member, found '\"'")
        ) {
            try Tokenizer.load(from: vocab)
        }
    }
}
