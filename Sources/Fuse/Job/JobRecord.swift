import Foundation
import FuseCore

/// One input as a job read it.
public struct JobInput: Sendable, Equatable {
    public let path: String
    public let modality: Modality
    public let pluginID: String
}

/// One output of a job: an input's embedding (`fusion == .none`) or a group's fused embedding.
public struct JobRecord: Sendable {
    /// The group's name, or the input's path for unfused inputs.
    public let id: String
    /// A short name for tables (group name or file name).
    public let label: String
    public let inputs: [JobInput]
    public let fusion: FusionMode
    /// The late-fusion strategy, `early`, or nil for unfused inputs.
    public let strategy: String?
    /// Each input's share of the result (strategy weights; for `max`, the share of dimensions it supplied).
    public let weights: [Float]
    public let embedding: Embedding
    /// For an unfused input: the group it was listed in (so a report can tell an image's own description apart).
    public var group: String? = nil
    /// The output's place in the job's whole list (every shard counted), which `--resume` matches on; nil for
    /// records made outside a job.
    public var position: Int? = nil

    /// The input paths, which a resumed run checks against the list.
    public var key: String { Self.key(inputs.map(\.path)) }

    static func key(_ paths: [String]) -> String { paths.joined(separator: "\n") }

    /// The record as one JSON line (no newline): `{"position", "id", "inputs", "modalities", "plugins", "fusion",
    /// "strategy", "weights", "model", "settings", "embedding"}` (`position` and `settings` when known). Numbers are
    /// written as the shortest decimal that reads back as the same Float32 (half the size of JSONSerialization's
    /// double digits, and several times faster for long runs).
    public func jsonLine(settings: RunSettings? = nil) -> Data {
        var line = "{"
        if let position { line += "\"position\":\(position)," }
        line += "\"id\":" + Self.quoted(id)
        line += ",\"inputs\":" + Self.array(inputs.map { Self.quoted($0.path) })
        line += ",\"modalities\":" + Self.array(inputs.map { Self.quoted($0.modality.name) })
        line += ",\"plugins\":" + Self.array(inputs.map { Self.quoted($0.pluginID) })
        line += ",\"fusion\":" + Self.quoted(fusion.rawValue)
        line += ",\"strategy\":" + (strategy.map(Self.quoted) ?? "null")
        line += ",\"weights\":" + Self.array(weights.map(Self.number))
        line += ",\"model\":" + Self.quoted(embedding.modelID)
        if let settings { line += ",\"settings\":" + settings.jsonObject() }
        line += ",\"embedding\":" + Self.array(embedding.vector.map(Self.number)) + "}"
        return Data(line.utf8)
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// Float32 in its shortest round-trip form; JSON has no NaN or infinity, so those become null.
    static func number(_ value: Float) -> String { value.isFinite ? "\(value)" : "null" }

    /// A JSON string literal (RFC 8259 escapes).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The input paths of a JSON line written by `jsonLine()`, nil when the line is not a record (e.g. torn by a
    /// crash).
    static func key(jsonLine: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any],
            let inputs = object["inputs"] as? [String], object["embedding"] is [Any]
        else { return nil }
        return key(inputs)
    }
}
