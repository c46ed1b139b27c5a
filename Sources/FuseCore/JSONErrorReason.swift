import Foundation

/// Says why bytes are not usable JSON, at which line and column, for the `reason` of an error that already names
/// the file.
///
/// `JSONSerialization`'s and `JSONDecoder`'s messages on Linux are "The operation could not be completed. The data
/// is not in the correct format." at best (the position, as a character count, hides in a debug description). When
/// a parse fails this reads the bytes again with a strict RFC 8259 scanner and reports the first error:
/// "line 3, column 5: expected ',' or '}' after an object member, found 'x'". `JSONDecoder`'s errors on valid
/// JSON (a missing key, a wrong type) are reported with their key path.
///
/// ```swift
/// do { object = try JSONSerialization.jsonObject(with: data) } catch {
///     throw FuseError.invalidConfig(file: url.path, reason: JSONErrorReason.describe(error, in: data))
/// }
/// ```
public enum JSONErrorReason {
    /// Where and why the JSON in `data` failed to parse, or, for `JSONDecoder`'s errors on well-formed JSON, which
    /// key is wrong.
    public static func describe(_ error: any Error, in data: Data) -> String {
        if let syntax = firstSyntaxError(in: data) { return syntax.description }
        if let decoding = error as? DecodingError { return describe(decoding) }
        // The scanner accepts the bytes but Foundation did not: say what Foundation said, without its boilerplate.
        let ns = error as NSError
        if let debug = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return "not valid JSON (\(debug))" }
        return "not valid JSON"
    }

    /// `JSONSerialization.jsonObject(with:)`; when `data` is not JSON, throws `makeError` of the reason `describe`
    /// gives (line, column, what is wrong).
    ///
    /// ```swift
    /// let root = try JSONErrorReason.jsonObject(data) { FuseError.invalidConfig(file: url.path, reason: $0) }
    /// ```
    public static func jsonObject(_ data: Data, orThrow makeError: (String) -> any Error) throws -> Any {
        do { return try JSONSerialization.jsonObject(with: escapingInnerByteOrderMarks(data)) } catch {
            throw makeError(describe(error, in: data))
        }
    }

    /// The first place where `data` breaks JSON's grammar, with line and column (both from 1; the column counts
    /// characters), or nil when `data` is one well-formed JSON value. A leading UTF-8 byte-order mark is allowed,
    /// as `JSONSerialization` allows it.
    public struct SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
        /// Byte offset from the start of the data.
        public let offset: Int
        public let line: Int
        public let column: Int
        /// What is wrong, e.g. "expected a value, found '}'".
        public let message: String

        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// `JSONDecoder().decode(type, from: data)` behind this scanner: malformed JSON, and JSON nested deeper than 512
    /// levels, are thrown as `SyntaxError` before swift-foundation's decoder sees them — that decoder traps (an
    /// out-of-range source location) on input whose nesting passes 512 levels exactly at its last byte (found by
    /// FuzzPluginRegistry: 513 × "[" crashed `fuse plugins list`; a manifest line `{"inputs":` + 512 × "[" crashed
    /// the main job). Every `JSONDecoder` use on data from outside goes through here.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if let syntax = firstSyntaxError(in: data) { throw syntax }
        return try JSONDecoder().decode(type, from: data)
    }

    /// Scans `data` as JSON and returns its first syntax error (nil when it is well-formed).
    public static func firstSyntaxError(in data: Data) -> SyntaxError? {
        let bytes = [UInt8](data)
        var scanner = JSONScanner(bytes: bytes)
        guard let (offset, message) = scanner.firstError() else { return nil }
        return position(of: offset, in: bytes, message: message)
    }

    /// `JSONDecoder`'s error on well-formed JSON, with the key path where it happened.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : "'" + keys.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing key '\(key.stringValue)'" + (context.codingPath.isEmpty ? "" : " in \(parent)")
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(typeName(type)), found null"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "not valid for this file: \(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }

    private static func position(of offset: Int, in bytes: [UInt8], message: String) -> SyntaxError {
        let before = bytes[..<min(offset, bytes.count)]
        let lineStart = (before.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        let line = before.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        // Characters, not bytes: count the bytes that start a UTF-8 sequence.
        let column = bytes[lineStart..<min(offset, bytes.count)].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return SyntaxError(offset: offset, line: line, column: column, message: message)
    }
}

/// A strict RFC 8259 scanner that only finds the first error (it builds nothing).
private struct JSONScanner {
    let bytes: [UInt8]
    var index = 0
    /// `JSONSerialization`'s nesting limit.
    static let maxDepth = 512

    init(bytes: [UInt8]) { self.bytes = bytes }

    typealias Failure = (offset: Int, message: String)

    mutating func firstError() -> Failure? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        if index == bytes.count { return (index, "the file holds no JSON value (it is empty or only whitespace)") }
        if let failure = value(depth: 0) { return failure }
        skipWhitespace()
        if index < bytes.count { return (index, "unexpected \(found()) after the JSON value") }
        return nil
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    /// What sits at `index`, for messages.
    func found() -> String {
        guard index < bytes.count else { return "end of file" }
        let byte = bytes[index]
        switch byte {
        case 0x0A, 0x0D: return "a line break"
        case 0x09: return "a tab"
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0..<0x20, 0x7F: return "control character U+\(String(format: "%04X", byte))"
        default:
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = bytes[index...].makeIterator()
            if case .valid(let encoded) = parser.parseScalar(from: &iterator) {
                return "'\(Character(Unicode.UTF8.decode(encoded)))'"
            }
            return "a byte that is not UTF-8 (0x\(String(format: "%02X", byte)))"
        }
    }

    mutating func value(depth: Int) -> Failure? {
        guard index < bytes.count else { return (index, "unexpected end of file, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return container(depth: depth + 1, close: UInt8(ascii: "}"), isObject: true)
        case UInt8(ascii: "["): return container(depth: depth + 1, close: UInt8(ascii: "]"), isObject: false)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return (index, "expected a value, found \(found())")
        }
    }

    mutating func container(depth: Int, close: UInt8, isObject: Bool) -> Failure? {
        let open = index
        guard depth <= Self.maxDepth else { return (index, "nested more than \(Self.maxDepth) levels deep") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == close { index += 1; return nil }
        let what = isObject ? "object" : "array"
        while true {
            if isObject {
                guard index < bytes.count else { return unclosed(what, open) }
                guard bytes[index] == UInt8(ascii: "\"") else {
                    return (index, "expected a string key, found \(found())")
                }
                if let failure = string() { return failure }
                skipWhitespace()
                guard index < bytes.count else { return unclosed(what, open) }
                guard bytes[index] == UInt8(ascii: ":") else {
                    return (index, "expected ':' after the key, found \(found())")
                }
                index += 1
                skipWhitespace()
            }
            guard index < bytes.count else { return unclosed(what, open) }
            if let failure = value(depth: depth) { return failure }
            skipWhitespace()
            guard index < bytes.count else { return unclosed(what, open) }
            if bytes[index] == close { index += 1; return nil }
            guard bytes[index] == UInt8(ascii: ",") else {
                let closer = isObject ? "'}'" : "']'"
                return (
                    index,
                    "expected ',' or \(closer) after an \(isObject ? "object member" : "array element"), "
                        + "found \(found())"
                )
            }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == close {
                return (index, "a trailing comma before \(found())")
            }
        }
    }

    func unclosed(_ what: String, _ open: Int) -> Failure {
        let start = JSONErrorReason.firstSyntaxPosition(open, in: bytes)
        return (
            index,
            "unexpected end of file: the \(what) opened at line \(start.line), column \(start.column) "
                + "is not closed"
        )
    }

    mutating func string() -> Failure? {
        let open = index
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return nil
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    let digits = bytes[(index + 1)..<min(index + 5, bytes.count)]
                    guard digits.count == 4, digits.allSatisfy({ $0.isHexDigit }) else {
                        return (index - 1, "invalid \\u escape in a string (needs four hexadecimal digits)")
                    }
                    index += 5
                default:
                    index -= 1
                    let escape =
                        index + 1 < bytes.count && (0x20...0x7E).contains(bytes[index + 1])
                        ? "'\\\(Character(Unicode.Scalar(bytes[index + 1])))'" : "escape"
                    return (index, "invalid \(escape) in a string")
                }
            case 0..<0x20:
                return (index, "\(found()) inside a string (control characters must be escaped)")
            case 0x80...:
                var parser = Unicode.UTF8.ForwardParser()
                var iterator = bytes[index...].makeIterator()
                guard case .valid(let encoded) = parser.parseScalar(from: &iterator) else {
                    return (index, "not valid UTF-8 (byte 0x\(String(format: "%02X", byte)))")
                }
                index += encoded.count
            default:
                index += 1
            }
        }
        let start = JSONErrorReason.firstSyntaxPosition(open, in: bytes)
        return (
            index,
            "unexpected end of file: the string opened at line \(start.line), column \(start.column) "
                + "is not closed"
        )
    }

    mutating func number() -> Failure? {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let leadingZero = index < bytes.count && bytes[index] == UInt8(ascii: "0")
        let integer = digits()
        guard integer > 0 else { return (start, "invalid number: '-' must be followed by a digit") }
        if leadingZero && integer > 1 { return (start, "invalid number: leading zeros are not allowed") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return (start, "invalid number: '.' must be followed by a digit") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return (start, "invalid number: the exponent has no digits") }
        }
        return nil
    }

    mutating func literal(_ word: String) -> Failure? {
        let expected = Array(word.utf8)
        guard bytes[index...].starts(with: expected) else { return (index, "expected a value, found \(found())") }
        index += expected.count
        return nil
    }
}

extension JSONErrorReason {
    /// Line and column of a byte offset (for messages that point back at an opening bracket or quote).
    fileprivate static func firstSyntaxPosition(_ offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let position = position(of: offset, in: bytes, message: "")
        return (position.line, position.column)
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
