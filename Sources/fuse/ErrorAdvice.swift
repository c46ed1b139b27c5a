import ArgumentParser
import Foundation
import Fuse
import FuseIndex
import FuseLLM
import FuseNER
import FusePluginLoader
import FuseServer
import FuseTrain

/// The CLI's one translation of library errors into advice with fuse's own flags.
///
/// The libraries say what is wrong and where (the file, the value, what was expected) in their own terms — a
/// setting by what it means (`fusion mode`), a parameter by its API name (`topK`, `maxInputs`). Every command's
/// error reaches `FuseCommand.main`, which passes it through `advised(_:command:)`: here, and only here, those
/// terms become flags (`--fusion`, `--top-k`, `--max-inputs`) and the fix is said with them. An error without
/// advice keeps the library's message.
enum ErrorAdvice {
    /// How the main job names its explicit shard settings (in `ShardChoice` and its errors).
    static let shardFlags = ShardSettingNames(shard: "--shard", shardCount: "--shard-count")
    /// What the main job's summary names as the heat-map option.
    static let plotFlag = "--plot"

    /// `error` carrying the CLI's message, or `error` itself when the library's message stands.
    /// `command` is the parsed command whose run failed (nil when parsing failed).
    static func advised(_ error: any Error, command: (any ParsableCommand)?) -> any Error {
        guard let message = message(for: error, command: command) else { return error }
        return CLIError(message: message)
    }

    /// The CLI's message for `error`, or nil when the library's own message needs nothing added.
    static func message(for error: any Error, command: (any ParsableCommand)? = nil) -> String? {
        switch error {
        case FuseError.outputExists(let path), SafetensorsError.outputExists(let path):
            return "\(path): already exists; pass --force to overwrite it"
        case let error as JobError:
            return message(for: error)
        case InputListError.badShard(let text):
            return "--shard \(text): expected \(InputListError.expectedShardForm)"
        case let error as ShardEnvironmentError:
            return message(for: error)
        case ModelError.modelFolderMissing:
            return "\(error), or pass --model DIR"
        case ModelLocationError.notInCache(let repository, _):
            return "\(error); or add --download, or run `fuse pull \(repository)`"
        case JointSequenceError.widthMismatch:
            return "\(error) (--fusion late)"
        case LLMError.invalidOption(let name, let reason):
            return llmFlags[name].map { "\($0): \(reason)" }
        case LLMError.sequenceLongerThanWindow:
            return "\(error) (raise --window)"
        case LLMError.missingManifest(let file):
            return "\(file): invalid distribution file: missing; run `fuse llm logits` first"
        case LLMError.incompleteModel(let file, let model, let completed, let total):
            return "\(file): invalid distribution file: model '\(model)' has \(completed) of \(total) shards; "
                + "resume `fuse llm logits`"
        case LLMError.missingAlignment(let file, let source):
            return "\(file): invalid distribution file: missing; run `fuse llm align` for '\(source)' first"
        case ServeSetupError.invalidLimit(let name, let reason):
            return "--\(kebabCase(name)): \(reason)"
        case PluginRegistryFileError.duplicateName(let name, let holder):
            return "a plugin named '\(name)' already exists (\(holder)); choose another with --name"
        case PluginRegistryFileError.registeredPluginUnusable(let name, let file, let reason):
            return "registered plugin '\(name)' (from \(file)) cannot be loaded: \(reason); "
                + "fix it or run `fuse plugins unregister \(name)`"
        case let error as IndexError:
            return fix(for: error, command: command).map { "\(error); \($0)" }
        case SetFitError.outputExists(let path):
            return "\(path): already exists; pass --force to overwrite it"
        case SetFitError.invalidOption(let name, let reason):
            return "--\(kebabCase(name)): \(reason)"
        case let error as NERError:
            return message(for: error, command: command as? NERCommand)
        default:
            return nil
        }
    }

    /// `fuse ner`'s errors with its flags: labels are `--labels` entries, texts are TEXT arguments or --input lines.
    static func message(for error: NERError, command: NERCommand?) -> String? {
        switch error {
        case .noLabels:
            return "--labels is empty; pass the entity labels, e.g. --labels \"person,organization,date\""
        case .emptyLabel(let index):
            return "--labels entry \(index + 1) is empty (two commas in a row, or a trailing comma?)"
        case .labelsOverBudget:
            return "\(error) in --labels"
        case .noWords(let index):
            guard let command else { return nil }
            if command.input != nil { return "--input record \(index + 1) has no words (its text is blank)" }
            if command.file != nil { return "--file \(command.file!) has no words (it is empty or blank)" }
            return "TEXT argument \(index + 1) has no words (it is empty or blank)"
        case .missingBackboneConfig, .missingAddedTokens:
            return "\(error); convert the checkpoint with tools/convert_gliner.py and pass that folder as --model"
        case .windowOverlapTooLarge(_, let maxWords):
            return "--window-overlap must be below \(maxWords), the words one window of this model holds"
        case .unsupportedConfig, .wordTooLong:
            return nil
        }
    }

    /// The main job's settings as flags.
    static func message(for error: JobError) -> String? {
        switch error {
        case .resumeNeedsJSONL(let path):
            return "--resume needs a .jsonl output (the streamed, append-friendly format), got "
                + (path.map { "'\($0)'" } ?? "no --out")
        case .partialExists(let output, let partial):
            return
                "\(output): an interrupted run left \(partial); pass --resume to continue it or --force to start over"
        case .concatDimensions(let sizes):
            return "concat without --projection gives outputs of different dimensions for groups of "
                + "\(JobError.sizeList(sizes)) inputs; give every group the same number of inputs, or pass "
                + "--projection FILE (a safetensors file with 'weight' [out, n·D])"
        case .unknownStrategy(let name):
            return "unknown --strategy '\(name)' (known: \(LateFusionStrategy.names.joined(separator: ", ")))"
        case .weightsNeedWeighted(let strategy):
            return "--weights applies to --strategy weighted, not '\(strategy)'"
        case .projectionNeedsConcat(let strategy):
            return "--projection applies to --strategy concat, not '\(strategy)'"
        case .weightedNeedsWeights:
            return "--strategy weighted needs --weights (one number per input of a group)"
        case .noInputs:
            return "give inputs: --inputs FILE… (repeat for groups), --manifest FILE or --inputs-from LIST|-"
        case .severalInputSources:
            return "use one of --inputs, --manifest and --inputs-from"
        case .emptyInputGroup(let index):
            return "--inputs occurrence \(index + 1) lists no file"
        case .unknownFusion(let name):
            return "unknown --fusion '\(name)' (known: \(FusionMode.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .lateFusionSettings(let mode):
            return "--strategy, --weights and --projection apply to --fusion late, not \(mode.rawValue)"
        case .badWeights(let text, let reason):
            return "--weights '\(text)': \(reason) (use e.g. 0.5,0.3,0.2)"
        case .resumeAndOverwrite:
            return "--resume continues an output, --force replaces it: pick one"
        default:
            return nil
        }
    }

    /// Scheduler problems, with the flags that settle them.
    static func message(for error: ShardEnvironmentError) -> String? {
        switch error {
        case .twoSchedulers, .slurmCountMissing:
            return "\(error); pass --shard I/N"
        case .irregularArray:
            return "\(error) or pass --shard I/N"
        case .countWithoutIndex:
            return "\(error); outside a scheduler pass --shard I/N"
        case .countMissing(let index):
            return "\(index) gives this task's shard index but not the number of shards: pass --shard-count N "
                + "(the Job's completions) or set FUSE_SHARD_COUNT=N"
        default:
            return nil
        }
    }

    /// FuseLLM's parameter names (`LLMError.invalidOption`) and the `fuse llm` flags that set them.
    static let llmFlags = [
        "models": "--models", "sources": "--sources", "topK": "--top-k", "temperature": "--temperature",
        "maxTokens": "--max-tokens", "prompt": "--prompt", "window": "--window", "shardSize": "--shard-size",
        "mode": "--mode",
    ]

    /// How to get past an index error with the flags of the command that met it (`fuse index` or `fuse search`).
    static func fix(for error: IndexError, command: (any ParsableCommand)?) -> String? {
        if let search = command as? SearchCommand {
            let database = URL(fileURLWithPath: search.db).path
            switch error {
            case .missing, .empty:
                return "build it with fuse index DIR --db \(database), or point --db at an existing index"
            case .modelMismatch:
                return "search with the model it was built with (--model), or re-index with fuse index DIR --model M "
                    + "--db \(database)"
            case .notADatabase, .foreignDatabase, .unsupportedVersion:
                return "point --db at an index made by fuse index"
            case .corrupt:
                return "re-create it: delete \(database) (and its -wal and -shm files) and run fuse index again"
            default:
                return nil
            }
        }
        guard command is IndexCommand else { return nil }
        switch error {
        case .notADatabase, .foreignDatabase, .unsupportedVersion:
            return "choose another file with --db PATH (this one is left untouched)"
        case .corrupt:
            return "delete the file (and its -wal and -shm files) and index again, or use --db PATH"
        default:
            return nil
        }
    }

    /// `maxItemTokens` → `max-item-tokens`: ArgumentParser's flag for a property of that name.
    static func kebabCase(_ name: String) -> String {
        name.reduce(into: "") { text, character in
            if character.isUppercase { text += "-" + character.lowercased() } else { text.append(character) }
        }
    }
}

/// A library error re-worded by `ErrorAdvice`; ArgumentParser prints it as `Error: <message>` with exit code 1,
/// as it prints the library error itself.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
