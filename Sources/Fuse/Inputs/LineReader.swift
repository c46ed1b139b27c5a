import Foundation

/// Reads a file (or standard input for `-`) line by line in 64 KiB chunks, so a list of millions of lines never
/// sits in memory whole. Lines are trimmed; blank lines and `#` comments are skipped. Each line comes with its
/// 1-based line number, for error messages.
public struct LineReader: Sequence, IteratorProtocol {
    private let handle: FileHandle
    private let closeWhenDone: Bool
    private var buffer = Data()
    private var finished = false
    private var lineNumber = 0
    /// The folder relative paths in the list are resolved against (the working directory for standard input).
    public let base: URL
    /// The path as given (`-` for standard input).
    public let path: String

    /// Opens `path`, or standard input for `-`; an unreadable list is `InputListError.unreadable`.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            handle = FileHandle.standardInput
            base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            closeWhenDone = false
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let opened = FileHandle(forReadingAtPath: path)
            else {
                throw InputListError.unreadable(path: path, reason: "no such readable file")
            }
            handle = opened
            base = URL(fileURLWithPath: path).deletingLastPathComponent()
            closeWhenDone = true
        }
    }

    public mutating func next() -> (number: Int, text: String)? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                lineNumber += 1
                if let text = Self.content(line) { return (lineNumber, text) }
                continue
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                let rest = buffer
                buffer.removeAll()
                lineNumber += 1
                return Self.content(rest[...]).map { (lineNumber, $0) }
            }
            let chunk = handle.readData(ofLength: 64 * 1024)
            if chunk.isEmpty {
                finished = true
                if closeWhenDone { try? handle.close() }
            } else {
                buffer.append(chunk)
            }
        }
    }

    private static func content(_ line: Data.SubSequence) -> String? {
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty || text.hasPrefix("#") ? nil : text
    }

    /// Resolves a path from the list against `base`.
    public func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
    }
}
