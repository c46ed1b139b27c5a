import Foundation
import FuseCore
import FuseModels

/// The main job's command-line options as strings, turned into `JobOptions` here (in the library, so tests
/// exercise the same rules as `fuse --inputs …`).
public struct JobArguments: Sendable {
    /// One list per `--inputs` occurrence (each a group).
    public var inputGroups: [[String]] = []
    public var manifest: String?
    public var inputsFrom: String?
    public var fusion: String?
    public var strategy: String?
    /// Comma-separated numbers, one per input of a group.
    public var weights: String?
    public var projection: String?
    public var model: String?
    public var out: String?
    public var plot: String?
    public var shard: String?
    /// `--shard-count N`: the shard count for a scheduler index that carries none (`JOB_COMPLETION_INDEX`).
    public var shardCount: String?
    /// Where a scheduler's shard index is read from when `--shard` is not given (`ShardEnvironment`); empty: nowhere.
    public var environment: [String: String] = [:]
    public var force = false
    public var resume = false
    public var strict = false

    public init() {}

    /// The folder `--model` defaults to, relative to the working directory (made by `tools/setup_models.sh`).
    public static let defaultModel = "models/fuse-mini"

    /// Marks where each `--inputs` occurrence starts, so that the values ArgumentParser collects into one array
    /// can be split back into groups (`splitGroups`). Only `--inputs` and `--inputs=…` are touched.
    public static let groupMarker = "\u{1D}group"

    public static func markGroups(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for argument in arguments {
            if argument == "--inputs" {
                out += [argument, groupMarker]
            } else if argument.hasPrefix("--inputs=") {
                out += ["--inputs", groupMarker, String(argument.dropFirst("--inputs=".count))]
            } else {
                out.append(argument)
            }
        }
        return out
    }

    /// Splits collected `--inputs` values at the markers (no marker: one group).
    public static func splitGroups(_ values: [String]) -> [[String]] {
        var groups: [[String]] = []
        for value in values {
            if value == groupMarker { groups.append([]) } else if groups.isEmpty { groups.append([value]) } else {
                groups[groups.count - 1].append(value)
            }
        }
        return groups
    }

    /// `path` as given when absolute, else below `folder`.
    public static func resolve(_ path: String, in folder: URL) -> URL {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)).standardizedFileURL
    }

    /// The model folder: `--model` (a folder, or `org/name[@revision]` from the Hugging Face cache), else
    /// `models/fuse-mini` under `currentDirectory` when it exists.
    public func modelDirectory(currentDirectory: URL) throws -> URL {
        if let model { return try ModelLocator.resolve(model, base: currentDirectory) }
        let fallback = currentDirectory.appendingPathComponent(Self.defaultModel)
        guard FileManager.default.fileExists(atPath: fallback.appendingPathComponent("config.json").path) else {
            throw ModelError.modelFolderMissing(
                path: fallback.path,
                hint: "run tools/setup_models.sh (from the repository root) to make the default model, or pass --model DIR")
        }
        return fallback
    }

    /// This run's shard and where it came from: `--shard`, else for `--inputs-from` and `--manifest` runs the
    /// scheduler's index in `environment` (files named with `--inputs` are this task's own, never split).
    public func shardChoice() throws -> ShardChoice {
        try ShardEnvironment.choose(shard: shard, shardCount: shardCount,
                                    environment: inputGroups.isEmpty ? environment : [:])
    }

    /// Checks the options against each other and builds the job's options.
    public func options(currentDirectory: URL) throws -> JobOptions {
        func url(_ path: String) -> URL { Self.resolve(path, in: currentDirectory) }
        let sources = [!inputGroups.isEmpty, manifest != nil, inputsFrom != nil].filter { $0 }.count
        guard sources == 1 else {
            throw JobError.badArguments(sources == 0
                ? "give inputs: --inputs FILE… (repeat for groups), --manifest FILE or --inputs-from LIST|-"
                : "use one of --inputs, --manifest and --inputs-from")
        }
        if let empty = inputGroups.firstIndex(where: \.isEmpty) {
            throw JobError.badArguments("--inputs occurrence \(empty + 1) lists no file")
        }
        let source: JobSource
        if let manifest {
            source = .manifest(url(manifest))
        } else if let inputsFrom {
            source = .list(inputsFrom == "-" ? "-" : url(inputsFrom).path)
        } else {
            source = .groups(inputGroups.map { group in InputGroup(inputs: group.map(url)) })
        }
        let mode: FusionMode
        if let fusion {
            guard let parsed = FusionMode(rawValue: fusion) else {
                throw JobError.badArguments("unknown --fusion '\(fusion)' (known: none, early, late)")
            }
            mode = parsed
        } else if strategy != nil || weights != nil || projection != nil || inputGroups.count > 1 || manifest != nil {
            mode = .late
        } else {
            mode = .none
        }
        if mode != .late, strategy != nil || weights != nil || projection != nil {
            throw JobError.badArguments("--strategy, --weights and --projection apply to --fusion late, not \(mode.rawValue)")
        }
        let parsedWeights = try weights.map { text in
            try text.split(separator: ",").map { part in
                guard let value = Float(part.trimmingCharacters(in: .whitespaces)) else {
                    throw JobError.badArguments("--weights '\(text)': '\(part)' is not a number (use e.g. 0.5,0.3,0.2)")
                }
                return value
            }
        }
        let name = strategy ?? (weights != nil ? "weighted" : projection != nil ? "concat" : "mean")
        let lateStrategy = try LateFusionStrategy.named(name, weights: parsedWeights, projection: projection.map(url))
        if let parsedWeights, case .groups(let groups) = source,
           let bad = groups.first(where: { $0.inputs.count != parsedWeights.count }) {
            throw FusionError.weightCount(expected: bad.inputs.count, got: parsedWeights.count)
        }
        if resume, force { throw JobError.badArguments("--resume continues an output, --force replaces it: pick one") }
        return JobOptions(source: source, fusion: mode, strategy: lateStrategy, output: out.map(url),
                          overwrite: force, resume: resume, shard: try shardChoice().shard, strict: strict)
    }
}
