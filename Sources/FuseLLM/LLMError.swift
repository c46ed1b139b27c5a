import Foundation

/// Errors raised by FuseLLM. Every case names the file, model or field involved and says what is wrong.
public enum LLMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A model's `config.json` says one vocabulary size, its tokenizer (or its embedding matrix) another.
    case vocabularySizeMismatch(model: String, config: Int, other: Int, otherSource: String)
    /// A corpus line (1-based) is empty or holds no text.
    case emptyCorpusLine(file: String, line: Int)
    /// A corpus has no texts at all.
    case emptyCorpus(file: String)
    /// A corpus line is not valid JSON with a string field `field`.
    case invalidCorpusLine(file: String, line: Int, reason: String)
    /// A piece of text that cannot be split further (one word) tokenizes to more tokens than the window holds.
    case sequenceLongerThanWindow(model: String, line: Int, tokens: Int, window: Int)
    /// The requested window exceeds what a model's positions allow.
    case windowTooLarge(model: String, window: Int, maxPositions: Int)
    /// A distribution file was computed from another corpus (its manifest's hash differs).
    case corpusMismatch(file: String, expectedHash: String, actualHash: String)
    /// A distribution folder or manifest is malformed or inconsistent with the request.
    case invalidDistributionFile(file: String, reason: String)
    /// A distributions folder without its manifest: the distributions were never extracted into it.
    case missingManifest(file: String)
    /// A model's distributions were extracted only in part (`completed` of `total` shards).
    case incompleteModel(file: String, model: String, completed: Int, total: Int)
    /// Fusion needs a source's aligned shard that alignment has not written.
    case missingAlignment(file: String, source: String)
    /// `align`/`fuse` was asked for a model that the distributions folder does not hold.
    case missingModel(name: String, folder: String, available: [String])
    /// A tokenizer.json lacks what FuseLLM needs (a vocabulary, a known pre-tokenizer).
    case invalidTokenizer(file: String, reason: String)
    /// A model folder's config.json names an unsupported architecture or lacks a field.
    case unsupportedModel(folder: String, reason: String)
    /// A checkpoint lacks a tensor or holds one of the wrong shape.
    case invalidWeights(folder: String, tensor: String, reason: String)
    /// A parameter's value is outside what the operation accepts. `name` is the parameter's name in the API
    /// (`topK`, `maxTokens`, …), which the CLI maps to its flag.
    case invalidOption(name: String, reason: String)

    public var description: String {
        switch self {
        case .vocabularySizeMismatch(let model, let config, let other, let source):
            return "\(model): config.json says vocab_size \(config) but \(source) has \(other) entries"
        case .emptyCorpusLine(let file, let line):
            return "\(file):\(line): empty line; every corpus line must hold a text"
        case .emptyCorpus(let file):
            return "\(file): the corpus holds no texts"
        case .invalidCorpusLine(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        case .sequenceLongerThanWindow(let model, let line, let tokens, let window):
            return "corpus line \(line): a single word tokenizes to \(tokens) tokens with \(model), "
                + "longer than the window of \(window); use a larger window"
        case .windowTooLarge(let model, let window, let maxPositions):
            return "\(model): window \(window) exceeds the model's \(maxPositions) positions"
        case .corpusMismatch(let file, let expected, let actual):
            return "\(file): computed from another corpus (manifest hash \(actual), this corpus \(expected))"
        case .invalidDistributionFile(let file, let reason):
            return "\(file): invalid distribution file: \(reason)"
        case .missingManifest(let file):
            return "\(file): invalid distribution file: missing; extract the distributions first"
        case .incompleteModel(let file, let model, let completed, let total):
            return "\(file): invalid distribution file: model '\(model)' has \(completed) of \(total) shards; "
                + "resume the extraction"
        case .missingAlignment(let file, let source):
            return "\(file): invalid distribution file: missing; align '\(source)' first"
        case .missingModel(let name, let folder, let available):
            return "\(folder): no distributions for model '\(name)' (available: \(available.joined(separator: ", ")))"
        case .invalidTokenizer(let file, let reason):
            return "\(file): invalid tokenizer: \(reason)"
        case .unsupportedModel(let folder, let reason):
            return "\(folder): unsupported model: \(reason)"
        case .invalidWeights(let folder, let tensor, let reason):
            return "\(folder): tensor '\(tensor)': \(reason)"
        case .invalidOption(let name, let reason):
            return "\(name): \(reason)"
        }
    }
}
