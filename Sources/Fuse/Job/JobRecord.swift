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

    /// What `--resume` matches on: the input paths.
    public var key: String { Self.key(inputs.map(\.path)) }

    static func key(_ paths: [String]) -> String { paths.joined(separator: "\n") }

    /// The record as one JSON line (no newline): `{"id", "inputs", "modalities", "plugins", "fusion", "strategy",
    /// "weights", "model", "embedding"}`.
    public func jsonLine() throws -> Data {
        var object: [String: Any] = [
            "id": id, "inputs": inputs.map(\.path), "modalities": inputs.map(\.modality.name),
            "plugins": inputs.map(\.pluginID), "fusion": fusion.rawValue, "model": embedding.modelID,
            "weights": weights.map { Double($0) }, "embedding": embedding.vector.map { Double($0) },
        ]
        object["strategy"] = strategy ?? NSNull()
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The resume key of a JSON line written by `jsonLine()`, nil when the line is not one (e.g. torn by a crash).
    static func key(jsonLine: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any],
              let inputs = object["inputs"] as? [String], object["embedding"] is [Any] else { return nil }
        return key(inputs)
    }
}
