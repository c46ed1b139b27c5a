import Foundation
import FuseCore
import Testing

/// Issue 17: messages that leaked Foundation ("NSCocoaErrorDomain error 256", "The specified text encoding isn't
/// applicable", "invalid JSON: The operation could not be completed") and a symbolic link loop reported as "no such
/// file or directory". Each failure now says what is wrong, in which file, at which line and column.
@Suite struct ErrorReasonTests {
    /// Phrases of Foundation's that must never reach a user.
    static let leaks = ["NSCocoaErrorDomain", "operation could not be completed", "text encoding", "(null)"]

    static func scratchFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("error-reason-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A symbolic link pointing at itself.
    static func loop(in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("loop.json")
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: url.path)
        return url
    }

    struct BadJSON: Sendable, CustomTestStringConvertible {
        let text: String
        let expected: String
        var testDescription: String { expected }
    }

    static let badJSON: [BadJSON] = [
        BadJSON(text: "{\"a\": 1,\n  \"b\": x}", expected: "line 2, column 8: expected a value, found 'x'"),
        BadJSON(
            text: "{\n  \"a\": 1\n  \"b\": 2\n}",
            expected: "line 3, column 3: expected ',' or '}' after an object member, found '\"'"),
        BadJSON(text: "{\"a\": [1, 2,]}", expected: "line 1, column 13: a trailing comma before ']'"),
        BadJSON(
            text: "{\"a\": 1",
            expected: "line 1, column 8: unexpected end of file: the object opened at line 1, "
                + "column 1 is not closed"),
        BadJSON(text: "", expected: "line 1, column 1: the file holds no JSON value (it is empty or only whitespace)"),
        BadJSON(text: "{\"é\": \"\\q\"}", expected: "line 1, column 8: invalid '\\q' in a string"),
        BadJSON(text: "{\"a\": 01}", expected: "line 1, column 7: invalid number: leading zeros are not allowed"),
        BadJSON(text: "{} {}", expected: "line 1, column 4: unexpected '{' after the JSON value"),
        BadJSON(
            text: "{\"a\": \"x\ny\"}",
            expected: "line 1, column 9: a line break inside a string "
                + "(control characters must be escaped)"),
    ]

    @Test("a JSON syntax error is reported with its line, column and what is wrong", arguments: badJSON)
    func jsonSyntaxErrorsArePlaced(_ bad: BadJSON) {
        let data = Data(bad.text.utf8)
        var thrown: (any Error)?
        do { _ = try JSONSerialization.jsonObject(with: data) } catch { thrown = error }
        // JSONSerialization on Linux accepts trailing commas; the scanner still names one when asked.
        let reason =
            thrown.map { JSONErrorReason.describe($0, in: data) }
            ?? JSONErrorReason.firstSyntaxError(in: data)?.description
        #expect(reason == bad.expected)
        for leak in Self.leaks { #expect(!(reason ?? "").contains(leak)) }
    }

    @Test(
        "well-formed JSON has no syntax error",
        arguments: [
            "{}", "[1, -2.5e+3, true, null, \"\\u00e9\"]",
            "\u{FEFF}{\"a\": {\"b\": []}}", " 3 ",
        ])
    func wellFormedJSONPasses(_ text: String) {
        #expect(JSONErrorReason.firstSyntaxError(in: Data(text.utf8)) == nil)
    }

    @Test("JSONDecoder's errors on well-formed JSON name the key")
    func decodingErrorsNameTheKey() {
        struct Config: Decodable { let size: Int }
        let data = Data("{\"size\": \"big\"}".utf8)
        var reason = ""
        do { _ = try JSONDecoder().decode(Config.self, from: data) } catch {
            reason = JSONErrorReason.describe(error, in: data)
        }
        #expect(reason == "'size': expected an integer")
        do { _ = try JSONDecoder().decode(Config.self, from: Data("{}".utf8)) } catch {
            reason = JSONErrorReason.describe(error, in: Data("{}".utf8))
        }
        #expect(reason == "missing key 'size'")
    }

    @Test("reading a folder, a symbolic link loop or a missing file throws FuseError naming it")
    func fileContentsErrorsAreFuseErrors() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let loop = try Self.loop(in: folder)
        #expect(throws: FuseError.isDirectory(path: folder.path)) { try FileContents.data(at: folder) }
        #expect(throws: FuseError.symbolicLinkLoop(path: loop.path)) { try FileContents.data(at: loop) }
        let missing = folder.appendingPathComponent("gone.json")
        #expect(throws: FuseError.fileNotFound(path: missing.path)) { try FileContents.utf8String(at: missing) }
    }

    @Test("Foundation's file errors are described by their POSIX cause, never by Foundation's domain")
    func foundationErrorsAreDescribed() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let loop = try Self.loop(in: folder)
        var errors: [any Error] = []
        for url in [folder, loop] {
            do { _ = try Data(contentsOf: url) } catch { errors.append(error) }
        }
        #expect(errors.count == 2)
        let reasons = errors.map(FileErrorReason.describe)
        #expect(
            reasons == ["is a directory, expected a file", "symbolic link loop (too many levels of symbolic links)"])
        let encoding = CocoaError(.fileReadInapplicableStringEncoding, userInfo: [NSFilePathErrorKey: "/x"])
        #expect(FileErrorReason.describe(encoding) == "not valid UTF-8")
        for reason in reasons + [FileErrorReason.describe(encoding)] {
            for leak in Self.leaks { #expect(!reason.contains(leak)) }
        }
    }

    @Test("a symbolic link loop is reported as one, not as a missing file")
    func symbolicLinkLoopIsNamed() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let loop = try Self.loop(in: folder)
        #expect(PathKind.of(loop) == .symbolicLinkLoop)
        #expect(throws: FuseError.symbolicLinkLoop(path: loop.path)) { try FuseError.requireFile(loop) }
        #expect(throws: FuseError.symbolicLinkLoop(path: loop.path)) { try FuseError.requireDirectory(loop) }
        #expect(
            FuseError.symbolicLinkLoop(path: loop.path).description
                == "\(loop.path): symbolic link loop (too many levels of symbolic links)")
        // A link to nothing is still missing.
        let dangling = folder.appendingPathComponent("dangling")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "/nonexistent/x")
        #expect(throws: FuseError.fileNotFound(path: dangling.path)) { try FuseError.requireFile(dangling) }
    }

    @Test("FuseError's localizedDescription is its message")
    func localizedDescriptionIsTheMessage() {
        let error: any Error = FuseError.emptyFile(path: "/x/a.txt")
        #expect(error.localizedDescription == "/x/a.txt: the file is empty")
    }

    @Test(
        "a raw U+FEFF that begins a JSON string survives parsing (Foundation on Linux dropped it); a file BOM is skipped"
    )
    func byteOrderMarkInStrings() throws {
        let json = Data("\u{FEFF}{\"\u{FEFF}k\": \"\u{FEFF}\", \"b\": [\"x\u{FEFF}\", \"\u{FEFF}\u{FEFF}z\"]}".utf8)
        let root = try JSONErrorReason.jsonObject(json) { FuseError.invalidArgument(what: "json", reason: $0) }
        let object = try #require(root as? [String: Any])
        #expect(object["\u{FEFF}k"] as? String == "\u{FEFF}")
        #expect(object["b"] as? [String] == ["x\u{FEFF}", "\u{FEFF}\u{FEFF}z"])
    }
}
