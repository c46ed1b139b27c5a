import Foundation
import FuseCore

/// The parts of a sentence-transformers folder Fuse honours: the pipeline in `modules.json` (Transformer →
/// Pooling → optional Normalize), the pooling mode from the Pooling module's `config.json` (both the
/// `pooling_mode_*_tokens` flags of older releases and the `pooling_mode` string of newer ones), and
/// `sentence_bert_config.json`'s `max_seq_length`.
struct SentenceTransformersConfig {
    var pooling: Pooling
    var maxSequenceLength: Int?

    /// Reads the folder's sentence-transformers files; nil when it has no `modules.json`.
    static func load(directory: URL) throws -> SentenceTransformersConfig? {
        let modulesURL = directory.appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: modulesURL.path) else { return nil }
        let data: Data
        do { data = try FileContents.data(at: modulesURL) } catch {
            throw FuseError.unreadable(path: modulesURL.path, reason: FileErrorReason.describe(error))
        }
        let parsed = try JSONErrorReason.jsonObject(data) { FuseError.invalidConfig(file: modulesURL.path, reason: $0) }
        guard let modules = parsed as? [[String: Any]] else {
            throw FuseError.invalidConfig(file: modulesURL.path, reason: "expected a JSON array of modules")
        }
        var pooling: Pooling?
        for module in modules {
            guard let type = module["type"] as? String else {
                throw ModelError.missingField(file: modulesURL.path, field: "type")
            }
            let kind = type.split(separator: ".").last.map(String.init) ?? type
            switch kind {
            case "Transformer", "Normalize":
                continue  // the encoder itself; Fuse normalises every embedding anyway
            case "Pooling":
                let path = module["path"] as? String ?? ""
                let config = try ConfigFile(
                    url: directory.appendingPathComponent(path).appendingPathComponent("config.json"))
                pooling = try poolingMode(config)
            default:
                throw ModelError.invalidField(
                    file: modulesURL.path, field: "type",
                    reason: "names a module Fuse does not support: '\(type)' "
                        + "(supported: Transformer, Pooling, Normalize)")
            }
        }
        var maxLength: Int?
        let bertConfig = directory.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: bertConfig.path) {
            let config = try ConfigFile(url: bertConfig)
            maxLength = config.has("max_seq_length") ? try config.size("max_seq_length") : nil
        }
        return SentenceTransformersConfig(pooling: pooling ?? .mean, maxSequenceLength: maxLength)
    }

    static func poolingMode(_ config: ConfigFile) throws -> Pooling {
        if config.has("pooling_mode") {
            switch try config.string("pooling_mode") {
            case "mean": return .mean
            case "cls": return .cls
            case "max": return .max
            case let other:
                throw config.invalid("pooling_mode", "is '\(other)'; Fuse supports mean, cls and max")
            }
        }
        let modes: [(String, Pooling?)] = [
            ("pooling_mode_cls_token", .cls), ("pooling_mode_mean_tokens", .mean), ("pooling_mode_max_tokens", .max),
            ("pooling_mode_mean_sqrt_len_tokens", nil), ("pooling_mode_weightedmean_tokens", nil),
            ("pooling_mode_lasttoken", nil),
        ]
        let chosen = try modes.filter { try config.bool($0.0, default: false) }
        guard chosen.count == 1, let pooling = chosen[0].1 else {
            throw FuseError.invalidConfig(
                file: config.path,
                reason: "exactly one of pooling_mode_cls_token, pooling_mode_mean_tokens, "
                    + "pooling_mode_max_tokens must be true (found: \(chosen.map(\.0)))")
        }
        return pooling
    }
}
