import Foundation

/// Streams the paths of an input list (one per line; `-` reads standard input) without loading the list
/// whole, so a run over millions of files keeps memory flat. Blank lines and `#` comments are skipped;
/// relative paths are resolved against the list's folder (or the working directory for standard input).
public struct InputListReader: Sequence, IteratorProtocol {
    private var lines: LineReader

    /// Opens `path`, or standard input for `-`.
    public init(path: String) throws {
        lines = try LineReader(path: path)
    }

    public mutating func next() -> URL? {
        guard let line = lines.next() else { return nil }
        return lines.resolve(line.text)
    }
}

/// Streams the groups of a list run (`--inputs-from`): each line is either one path (a group of one input) or a
/// JSON object `{"group": "cat", "inputs": ["a.png", "a.txt"]}` (a group, as in a JSONL manifest). A bad line is
/// returned as an error in its place, so a list run can report it and go on.
public struct GroupListReader: Sequence, IteratorProtocol {
    private var lines: LineReader

    public init(path: String) throws {
        lines = try LineReader(path: path)
    }

    public mutating func next() -> Result<InputGroup, InputListError>? {
        guard let (number, text) = lines.next() else { return nil }
        guard text.hasPrefix("{") else {
            let url = lines.resolve(text)
            return .success(InputGroup(name: url.path, inputs: [url]))
        }
        return Result { try GroupManifest.group(jsonLine: text, path: lines.path, line: number, base: lines.base) }
            .mapError { $0 as? InputListError ?? .badLine(path: lines.path, line: number, reason: "\($0)") }
    }
}
