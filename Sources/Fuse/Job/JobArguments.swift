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
    /// How messages and `ShardChoice.settings` name the explicit shard settings (the CLI: its flags).
    public var shardSettingNames = ShardSettingNames.parameters

    public init() {}

    /// The folder `--model` defaults to, relative to the working directory (made by `tools/setup_models.sh`).
    public static let defaultModel = "models/fuse-mini"
    /// The speech-to-text model `fuse transcribe` uses without `--model` (made by tools/setup_models.sh).
    public static let defaultSpeechModel = "models/whisper-tiny.en"

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
            if value == groupMarker {
                groups.append([])
            } else if groups.isEmpty {
                groups.append([value])
            } else {
                groups[groups.count - 1].append(value)
            }
        }
        return groups
    }

    /// `path` as given when absolute, else below `folder`.
    public static func resolve(_ path: String, in folder: URL) -> URL {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)).standardizedFileURL
    }

    /// The model folder: `--model` (a folder, or `org/name[@revision]` from the Hugging Face cache), else the
    /// default model (`defaultModelDirectory`).
    public func modelDirectory(currentDirectory: URL, executable: URL? = nil) throws -> URL {
        if let model { return try ModelLocator.resolve(model, base: currentDirectory) }
        return try Self.defaultModelDirectory(currentDirectory: currentDirectory, executable: executable)
    }

    /// The default model, by one rule for every command: `models/fuse-mini` under the working directory, else
    /// under the checkout the `fuse` binary at `executable` belongs to (the nearest folder above it that holds
    /// the model: `.build/debug/fuse` → the repository root), so the CLI works from any folder. The CLI passes its
    /// own executable; a library caller passes nil unless it wants the same fallback.
    /// `relativePath` names another default (`defaultSpeechModel`) found by the same rule.
    public static func defaultModelDirectory(
        currentDirectory: URL, executable: URL? = nil, relativePath: String = defaultModel
    ) throws -> URL {
        var candidates = [currentDirectory.appendingPathComponent(relativePath)]
        if var folder = executable?.resolvingSymlinksInPath().deletingLastPathComponent() {
            for _ in 0..<5 {
                candidates.append(folder.appendingPathComponent(relativePath))
                folder = folder.deletingLastPathComponent()
            }
        }
        guard
            let found = candidates.first(where: {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent("config.json").path)
            })
        else {
            throw ModelError.modelFolderMissing(
                path: candidates[0].path,
                hint: "run tools/setup_models.sh (from the repository root) to make the default model")
        }
        return found
    }

    /// This run's shard and where it came from: `--shard`, else for `--inputs-from` and `--manifest` runs the
    /// scheduler's index in `environment` (files named with `--inputs` are this task's own, never split).
    public func shardChoice() throws -> ShardChoice {
        try ShardEnvironment.choose(
            shard: shard, shardCount: shardCount,
            environment: inputGroups.isEmpty ? environment : [:], names: shardSettingNames)
    }

    /// Checks the options against each other and builds the job's options.
    public func options(currentDirectory: URL) throws -> JobOptions {
        func url(_ path: String) -> URL { Self.resolve(path, in: currentDirectory) }
        let sources = [!inputGroups.isEmpty, manifest != nil, inputsFrom != nil].filter { $0 }.count
        guard sources == 1 else { throw sources == 0 ? JobError.noInputs : JobError.severalInputSources }
        if let empty = inputGroups.firstIndex(where: \.isEmpty) { throw JobError.emptyInputGroup(index: empty) }
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
            guard let parsed = FusionMode(rawValue: fusion) else { throw JobError.unknownFusion(fusion) }
            mode = parsed
        } else if strategy != nil || weights != nil || projection != nil || inputGroups.count > 1 || manifest != nil {
            mode = .late
        } else {
            mode = .none
        }
        if mode != .late, strategy != nil || weights != nil || projection != nil {
            throw JobError.lateFusionSettings(mode: mode)
        }
        let parsedWeights = try weights.map { text in
            try text.split(separator: ",", omittingEmptySubsequences: false).enumerated().map { index, part in
                let item = part.trimmingCharacters(in: .whitespaces)
                guard !item.isEmpty else {
                    throw JobError.badWeights(text: text, reason: "item \(index + 1) is empty")
                }
                guard let value = Float(item), value.isFinite else {
                    throw JobError.badWeights(text: text, reason: "'\(part)' is not a number")
                }
                return value
            }
        }
        let name = strategy ?? (weights != nil ? "weighted" : projection != nil ? "concat" : "mean")
        let lateStrategy = try LateFusionStrategy.named(name, weights: parsedWeights, projection: projection.map(url))
        if let parsedWeights, case .groups(let groups) = source,
            let bad = groups.first(where: { $0.inputs.count != parsedWeights.count })
        {
            throw FusionError.weightCount(expected: bad.inputs.count, got: parsedWeights.count)
        }
        if resume, force { throw JobError.resumeAndOverwrite }
        return JobOptions(
            source: source, fusion: mode, strategy: lateStrategy, output: out.map(url),
            plot: plot.map(url), overwrite: force, resume: resume, shard: try shardChoice().shard,
            strict: strict)
    }
}
