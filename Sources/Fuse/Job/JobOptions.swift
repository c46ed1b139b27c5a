import Foundation
import FuseCore

/// How a job combines the inputs of a group.
public enum FusionMode: String, Sendable, CaseIterable {
    /// Every input gets its own embedding (groups only label them).
    case none
    /// One joint token sequence per group through the shared encoder (`EarlyFusion`).
    case early
    /// Each input embedded on its own, then combined by a `LateFusionStrategy`.
    case late
}

/// Where a job's groups come from.
public enum JobSource: Sendable {
    /// Groups named one by one (the CLI's `--inputs … --inputs …`); any bad input stops the job.
    case groups([InputGroup])
    /// A manifest read whole (JSONL or plain groups); bad inputs are skipped unless strict.
    case manifest(URL)
    /// A streamed list (a file, or `-` for stdin: one path or one JSON group per line); bad inputs are skipped
    /// unless strict.
    case list(String)
}

/// Everything a `FuseJob` needs to know besides the model.
public struct JobOptions: Sendable {
    public var source: JobSource
    public var fusion: FusionMode
    /// The late-fusion strategy (ignored unless `fusion == .late`).
    public var strategy: LateFusionStrategy
    /// `.jsonl` (streamed, resumable), `.safetensors`, `.npy` or `.json` (written whole at the end); nil: none.
    public var output: URL?
    /// A PNG heat map of the outputs' cosine similarities (at most `retainLimit` outputs); nil: none.
    public var plot: URL?
    /// Replace an existing output (and discard an interrupted run's partial file).
    public var overwrite: Bool
    /// Skip inputs already in the `.jsonl` output (or its interrupted partial file) and append the rest.
    public var resume: Bool
    public var shard: Shard
    /// Make one bad input in a manifest or list run fatal.
    public var strict: Bool
    /// Groups read, decoded and embedded together (bounds memory in list runs).
    public var chunkSize: Int
    /// How many results the summary keeps (the similarity table and plot cover these).
    public var retainLimit: Int

    public init(
        source: JobSource, fusion: FusionMode = .none, strategy: LateFusionStrategy = .mean,
        output: URL? = nil, plot: URL? = nil, overwrite: Bool = false, resume: Bool = false, shard: Shard = .whole,
        strict: Bool = false, chunkSize: Int = 64, retainLimit: Int = 256
    ) {
        self.source = source
        self.fusion = fusion
        self.strategy = strategy
        self.output = output
        self.plot = plot
        self.overwrite = overwrite
        self.resume = resume
        self.shard = shard
        self.strict = strict
        self.chunkSize = max(1, chunkSize)
        self.retainLimit = retainLimit
    }

    /// Bad inputs stop the job: always for groups named on the command line, else with `strict`.
    var failFast: Bool {
        if case .groups = source { return true }
        return strict
    }
}

/// Errors of a job's setup, each saying which setting is wrong (by what it means, in the library's terms; the CLI
/// adds its flags in `ErrorAdvice`).
public enum JobError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Resuming works on the streamed `.jsonl` output only.
    case resumeNeedsJSONL(path: String?)
    /// An interrupted run left its partial file; the user must choose to resume it or start over.
    case partialExists(output: String, partial: String)
    /// `concat` without a projection over groups of different sizes would give outputs of different dimensions.
    case concatDimensions(groupSizes: [Int])
    /// The concat projection file lacks its `weight` tensor or has the wrong shape.
    case badProjection(path: String, reason: String)
    /// A late-fusion strategy name that is not one of `LateFusionStrategy.names`.
    case unknownStrategy(String)
    /// Weights were given for a strategy other than `weighted`.
    case weightsNeedWeighted(strategy: String)
    /// A projection was given for a strategy other than `concat`.
    case projectionNeedsConcat(strategy: String)
    /// The `weighted` strategy without weights.
    case weightedNeedsWeights
    /// A manifest or list run in which every input was bad: nothing was embedded.
    case everythingSkipped(count: Int)
    /// No inputs: neither groups, nor a manifest, nor a list.
    case noInputs
    /// More than one of groups, a manifest and a list.
    case severalInputSources
    /// Input group `index` (0-based) lists no file.
    case emptyInputGroup(index: Int)
    /// A fusion mode that is not `none`, `early` or `late`.
    case unknownFusion(String)
    /// A late-fusion strategy, weights or a projection for a job that does not fuse late.
    case lateFusionSettings(mode: FusionMode)
    /// Weights that are not a comma-separated list of numbers (`reason` names the item).
    case badWeights(text: String, reason: String)
    /// Both resuming an output and overwriting it were asked for.
    case resumeAndOverwrite
    /// Another run holds the output's lock.
    case outputLocked(path: String, lockFile: String, holder: String)
    /// A line of an output being resumed is not a record this version of Fuse wrote.
    case corruptOutput(path: String, line: Int, reason: String)
    /// A record of an output being resumed was made with other settings (each difference named).
    case settingsDiffer(path: String, line: Int, differences: [String])
    /// Both a finished output and an interrupted run's partial file exist, and neither contains the other.
    case resumeConflict(output: String, partial: String)
    /// A record of an output being resumed does not match the input list at its position.
    case listChanged(path: String, position: Int, recorded: String, listed: String?)
    /// The heat map is a PNG; another extension would hold PNG bytes under a misleading name.
    case plotFormat(path: String)
    /// The heat map and the embeddings were given one path.
    case plotIsOutput(path: String)
    /// The heat map draws at most `limit` outputs.
    case plotTooLarge(path: String, limit: Int, outputs: Int)
    /// Another model embeds `modality`'s inputs, and `fusion` would mix two models' spaces.
    case severalModels(modality: String, model: String, fusion: String)

    public var description: String {
        switch self {
        case .severalModels(let modality, let model, let fusion):
            return "\(modality) inputs are embedded by another model (\(model)), whose vectors live in another space: "
                + "\(fusion) cannot combine them; use late fusion by concat (optionally with a projection) or no fusion "
                + "(without a heat map)"
        case .resumeNeedsJSONL(let path):
            return "resuming needs a .jsonl output (the streamed, append-friendly format), got "
                + (path.map { "'\($0)'" } ?? "no output")
        case .partialExists(let output, let partial):
            return "\(output): an interrupted run left \(partial); resume it or start over (overwrite)"
        case .concatDimensions(let sizes):
            return "concat without a projection gives outputs of different dimensions for groups of "
                + "\(Self.sizeList(sizes)) inputs; give every group the same number of inputs, or a projection "
                + "(a safetensors file with 'weight' [out, n·D])"
        case .badProjection(let path, let reason):
            return "\(path): \(reason)"
        case .everythingSkipped(let count):
            return "all \(count) inputs were skipped (see above); nothing was embedded"
        case .unknownStrategy(let name):
            return "unknown late-fusion strategy '\(name)' (known: \(LateFusionStrategy.names.joined(separator: ", ")))"
        case .weightsNeedWeighted(let strategy):
            return "weights apply to the weighted strategy, not '\(strategy)'"
        case .projectionNeedsConcat(let strategy):
            return "a projection applies to the concat strategy, not '\(strategy)'"
        case .weightedNeedsWeights:
            return "the weighted strategy needs weights (one number per input of a group)"
        case .noInputs:
            return "no inputs: give input groups, a manifest or an input list"
        case .severalInputSources:
            return "inputs come from one of input groups, a manifest and an input list, not several"
        case .emptyInputGroup(let index):
            return "input group \(index + 1) lists no file"
        case .unknownFusion(let name):
            return
                "unknown fusion mode '\(name)' (known: \(FusionMode.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .lateFusionSettings(let mode):
            return "a late-fusion strategy, weights and a projection apply to late fusion, not \(mode.rawValue)"
        case .badWeights(let text, let reason):
            return "weights '\(text)': \(reason) (use e.g. 0.5,0.3,0.2)"
        case .resumeAndOverwrite:
            return "resuming continues an output, overwriting replaces it: pick one"
        case .outputLocked(let path, let lockFile, let holder):
            return "\(path) is being written by another run (\(holder); lock \(lockFile)); two runs writing one "
                + "output would lose one run's lines: wait for it to end, or write to another file"
        case .corruptOutput(let path, let line, let reason):
            return "\(path):\(line): \(reason); the output cannot be resumed (start it over)"
        case .settingsDiffer(let path, let line, let differences):
            return "\(path):\(line): made with other settings than this run (\(differences.joined(separator: "; "))); "
                + "resuming would mix two kinds of vector in one file"
        case .resumeConflict(let output, let partial):
            return "\(output) and the partial file \(partial) of an interrupted run hold different records; neither "
                + "continues the other, so there is nothing safe to resume (start over, or move one of them away)"
        case .listChanged(let path, let position, let recorded, let listed):
            let recordedText = recorded.replacingOccurrences(of: "\n", with: " + ")
            return "\(path): the output was made from another input list: its record for list position \(position) "
                + "is \(recordedText), but "
                + (listed.map { "the list now has \($0.replacingOccurrences(of: "\n", with: " + ")) there" }
                    ?? "the list now has no readable input there")
        case .plotIsOutput(let path):
            return "\(path): the heat map and the embeddings would be one file"
        case .plotFormat(let path):
            return "\(path): the heat map is written as PNG; name the file .png"
        case .plotTooLarge(let path, let limit, let outputs):
            return "\(path): the heat map draws at most \(limit) outputs, and this run has \(outputs); nothing was "
                + "written"
        }
    }

    /// The distinct group sizes of `concatDimensions`, ascending: `[2, 1, 2]` → `1, 2`.
    public static func sizeList(_ sizes: [Int]) -> String {
        Array(Set(sizes)).sorted().map(String.init).joined(separator: ", ")
    }
}

extension LateFusionStrategy {
    /// The names `named(_:weights:projection:)` knows.
    public static let names = ["mean", "weighted", "max", "concat", "attention"]

    /// The strategy a CLI names: `mean`, `weighted` (needs `weights`), `max`, `concat` (optional projection file
    /// with tensors `weight` [out, in] and optional `bias` [out]) or `attention` (temperature 0.1).
    public static func named(_ name: String, weights: [Float]?, projection: URL?) throws -> LateFusionStrategy {
        if weights != nil, name != "weighted" {
            throw JobError.weightsNeedWeighted(strategy: name)
        }
        if projection != nil, name != "concat" {
            throw JobError.projectionNeedsConcat(strategy: name)
        }
        switch name {
        case "mean": return .mean
        case "max": return .max
        case "attention": return .attention(temperature: 0.1)
        case "weighted":
            guard let weights else {
                throw JobError.weightedNeedsWeights
            }
            // The per-group count is checked when fusing; the sign and sum can be checked now.
            _ = try LateFusion.normalizedUserWeights(weights, count: weights.count)
            return .weighted(weights)
        case "concat":
            return .concat(try projection.map(FusionProjection.load))
        default:
            throw JobError.unknownStrategy(name)
        }
    }
}

extension FusionProjection {
    /// Reads `weight` [out, in] and optional `bias` [out] from a safetensors file.
    public static func load(_ url: URL) throws -> FusionProjection {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(url: url) } catch {
            throw JobError.badProjection(path: url.path, reason: "cannot read the projection: \(error)")
        }
        guard let weight = try? file.tensor("weight") else {
            throw JobError.badProjection(path: url.path, reason: "no tensor 'weight' [out, in] in the projection file")
        }
        let bias = try? file.tensor("bias")
        do {
            return try FusionProjection(weight: weight, bias: bias?.scalars)
        } catch {
            throw JobError.badProjection(path: url.path, reason: "\(error)")
        }
    }
}
