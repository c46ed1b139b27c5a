import Foundation
import FuseCore

/// What decides the kind of vector a run writes: the model, the fusion mode and late-fusion strategy (with its
/// parameters), the numeric precision and the shard. Every `.jsonl` record carries them (`"settings"`), so a resumed
/// run can refuse to append vectors of another kind, and a file merged from several runs still says how each line
/// was made.
public struct RunSettings: Sendable, Equatable {
    /// The model's id (its folder name), `model_type` and embedding width.
    public var model: String
    public var fusion: String
    /// The late-fusion strategy with its parameters (`weighted 2,1`), nil unless `fusion` is `late`.
    public var strategy: String?
    /// The precision the model's transformer blocks computed in (`fp32`, `bf16`, `int8`).
    public var precision: String
    /// `I/N`.
    public var shard: String

    public init(model: String, fusion: String, strategy: String?, precision: String, shard: String) {
        self.model = model
        self.fusion = fusion
        self.strategy = strategy
        self.precision = precision
        self.shard = shard
    }

    /// The settings of a job run with `options` on `runtime`.
    public init(runtime: FuseRuntime, options: JobOptions) {
        self.init(models: JobModels(primary: runtime), options: options)
    }

    /// The settings of a job run with `options` on `models`; the model field names each override
    /// (`; audio by NAME (TYPE, D-d)`).
    public init(models: JobModels, options: JobOptions) {
        func describe(_ runtime: FuseRuntime) -> String {
            let model = runtime.model
            // Sounds embedded as their transcripts' text are other vectors: a resumed run must use the same setting.
            let audioAsText = runtime.speech.map { "; audio as text by \($0.whisper.folder.lastPathComponent)" } ?? ""
            return "\(model.id) (\(model.modelType), \(model.embeddingDimension)-d\(audioAsText))"
        }
        let overrides = models.overriddenModalities.map {
            "; \($0.name) by \(describe(models.runtime(for: $0)))"
        }
        let model = models.primary.model
        self.init(
            model: describe(models.primary) + overrides.joined(),
            fusion: options.fusion.rawValue,
            strategy: options.fusion == .late ? options.strategy.settingsDescription : nil,
            precision: model.precision.rawValue, shard: "\(options.shard.index)/\(options.shard.count)")
    }

    private var fields: [(name: String, value: String?)] {
        [("model", model), ("fusion", fusion), ("strategy", strategy), ("precision", precision), ("shard", shard)]
    }

    /// The settings as a JSON object (no spaces), in a fixed key order.
    func jsonObject() -> String {
        "{"
            + fields.map { JobRecord.quoted($0.name) + ":" + ($0.value.map(JobRecord.quoted) ?? "null") }
            .joined(separator: ",") + "}"
    }

    /// Reads what `jsonObject()` wrote; nil when a field is missing or not a string.
    init?(json: Any?) {
        guard let object = json as? [String: Any],
            let model = object["model"] as? String, let fusion = object["fusion"] as? String,
            let precision = object["precision"] as? String, let shard = object["shard"] as? String
        else { return nil }
        let strategy = object["strategy"] as? String
        guard strategy != nil || object["strategy"] is NSNull else { return nil }
        self.init(model: model, fusion: fusion, strategy: strategy, precision: precision, shard: shard)
    }

    /// Each field that differs, as "name: 'theirs' there, 'ours' in this run".
    func differences(from other: RunSettings) -> [String] {
        zip(fields, other.fields).compactMap { mine, theirs in
            mine.value == theirs.value
                ? nil
                : "\(mine.name) \(theirs.value.map { "'\($0)'" } ?? "none") there, "
                    + "\(mine.value.map { "'\($0)'" } ?? "none") in this run"
        }
    }
}

extension LateFusionStrategy {
    /// The strategy and its parameters, as recorded in a run's settings.
    var settingsDescription: String {
        switch self {
        case .mean, .max: return name
        case .weighted(let weights): return "weighted " + weights.map { "\($0)" }.joined(separator: ",")
        case .attention(let temperature): return "attention temperature \(temperature)"
        case .concat(nil): return "concat"
        case .concat(let projection?):
            // The projection's shape and a digest of its values: another file of the same shape is another space.
            var digest = FNV1a()
            for tensor in [projection.weight.scalars, projection.bias ?? []] {
                digest.add(tensor.withUnsafeBytes { Array($0) })
            }
            return "concat projection \(projection.weight.shape) \(String(digest.value, radix: 16))"
        }
    }
}
