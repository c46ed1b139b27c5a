import Foundation

/// Streams the paths of an input list (one per line; `-` reads standard input) without loading the list
/// whole, so a run over millions of files keeps memory flat. Blank lines and `#` comments are skipped;
/// relative paths are resolved against the list's folder (or the working directory for standard input).
public struct InputListReader: Sequence, IteratorProtocol {
    private let handle: FileHandle
    private let base: URL
    private let closeWhenDone: Bool
    private var buffer = Data()
    private var finished = false

    /// Opens `path`, or standard input for `-`.
    public init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardInput
            base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            closeWhenDone = false
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let opened = FileHandle(forReadingAtPath: path) else {
                throw InputListError.unreadable(path: path, reason: "no such readable file")
            }
            handle = opened
            base = URL(fileURLWithPath: path).deletingLastPathComponent()
            closeWhenDone = true
        }
    }

    public mutating func next() -> URL? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let lineData = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                if let url = url(from: lineData) { return url }
                continue
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                let rest = buffer
                buffer.removeAll()
                return url(from: rest[...])
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

    private func url(from line: Data.SubSequence) -> URL? {
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.hasPrefix("#") { return nil }
        return text.hasPrefix("/") ? URL(fileURLWithPath: text) : base.appendingPathComponent(text)
    }
}
