import Foundation
import FuseCore

/// Inputs that describe one thing and are fused into one embedding (e.g. a photo, its spoken caption and its text).
public struct InputGroup: Sendable, Equatable {
    /// A name for output (the manifest's `group`, or the first input's file name).
    public var name: String
    public var inputs: [URL]

    public init(name: String? = nil, inputs: [URL]) {
        self.inputs = inputs
        self.name = name ?? inputs.first?.lastPathComponent ?? "group"
    }
}

/// Errors reading lists of inputs.
public enum InputListError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)
    case emptyGroup(path: String, line: Int)
    /// A shard that is not `I/N` with 0 ≤ I < N (`expectedShardForm` says what is expected).
    case badShard(String)

    /// What a shard looks like, with the schedulers' variables that give one.
    public static let expectedShardForm =
        "I/N with 0 ≤ I < N (e.g. 0/4 … 3/4; Slurm: $SLURM_ARRAY_TASK_ID/N, "
        + "Kubernetes Indexed Job: $JOB_COMPLETION_INDEX/N)"

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read the input list: \(reason)"
        case .badLine(let path, let line, let reason): return "\(path):\(line): \(reason)"
        case .emptyGroup(let path, let line): return "\(path):\(line): the group lists no inputs"
        case .badShard(let text):
            return "shard '\(text)': expected \(Self.expectedShardForm)"
        }
    }
}

/// Reads a manifest of groups: JSON Lines (`{"group": "cat", "inputs": ["a.png", "a.txt"]}`) or plain text
/// (one group per line, paths separated by whitespace). Blank lines and lines starting with `#` are skipped;
/// relative paths are resolved against the manifest's folder.
public enum GroupManifest {
    /// Every group of the manifest, or the error of its first bad line.
    public static func read(_ url: URL) throws -> [InputGroup] {
        try entries(url).map { try $0.get() }
    }

    /// Each group of the manifest, or the error of a bad line in its place (a main job reports and skips it, as it
    /// does a bad line of a streamed list). An unreadable manifest throws.
    public static func entries(_ url: URL) throws -> [Result<InputGroup, InputListError>] {
        let text: String
        do {
            text = try FileContents.utf8String(at: url)
        } catch {
            throw InputListError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        let base = url.deletingLastPathComponent()
        var entries: [Result<InputGroup, InputListError>] = []
        for (offset, raw) in text.components(separatedBy: .newlines).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = offset + 1
            if line.hasPrefix("{") {
                entries.append(
                    Result { try group(jsonLine: line, path: url.path, line: number, base: base) }
                        .mapError { $0 as? InputListError ?? .badLine(path: url.path, line: number, reason: "\($0)") })
            } else {
                let paths = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                entries.append(.success(InputGroup(inputs: paths.map { resolve($0, base: base) })))
            }
        }
        return entries
    }

    /// One JSONL line `{"group": …, "inputs": [paths]}` as a group.
    static func group(jsonLine: String, path: String, line number: Int, base: URL) throws -> InputGroup {
        struct Entry: Decodable { let group: String?; let inputs: [String] }
        let entry: Entry
        do {
            entry = try JSONErrorReason.decode(Entry.self, from: Data(jsonLine.utf8))
        } catch let error as DecodingError {
            throw InputListError.badLine(
                path: path, line: number,
                reason: Self.explain(error) + " (expected {\"group\": name, \"inputs\": [paths]})")
        } catch {
            throw InputListError.badLine(
                path: path, line: number,
                reason: "not valid JSON (expected {\"group\": name, \"inputs\": [paths]})")
        }
        guard !entry.inputs.isEmpty else { throw InputListError.emptyGroup(path: path, line: number) }
        return InputGroup(name: entry.group, inputs: entry.inputs.map { resolve($0, base: base) })
    }

    /// What a decoding error means for a manifest line, in the manifest's own words (no Swift type names).
    static func explain(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? "\"\($0.stringValue)\"" }.joined(separator: " ")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \(field(context.codingPath + [key]))"
        case .valueNotFound(_, let context):
            return "\(field(context.codingPath)) is null"
        case .typeMismatch(let type, let context):
            let expected = type == String.self ? "a string" : type is [Any].Type ? "a list" : "of another type"
            return "\(field(context.codingPath)) must be \(expected)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(field(context.codingPath)) is malformed"
        @unknown default:
            return "not a manifest entry"
        }
    }

    static func resolve(_ path: String, base: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
    }
}

/// One of N deterministic shards of an input list: the input at position p (0-based, in list order) belongs to
/// shard `p mod N`. Every machine of a cluster job runs the same list with its own index.
public struct Shard: Sendable, Equatable {
    public let index: Int
    public let count: Int

    /// Parses `I/N`.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0,
            index >= 0, index < count
        else { throw InputListError.badShard(text) }
        self.index = index
        self.count = count
    }

    public static let whole = try! Shard("0/1")

    public func contains(position: Int) -> Bool { position % count == index }
}
