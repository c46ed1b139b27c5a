/// Errors raised by FuseTrain. Each says what is wrong and where (the file, line, label or field).
public enum SetFitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The examples cannot train a classifier (too few classes, mismatched counts, bad labels, …).
    case invalidTrainingData(reason: String)
    /// A head's stored weights are inconsistent, or an embedding does not fit it.
    case invalidHead(reason: String)
    /// The sentence-transformers body (its config or weights) cannot be trained: `file` says which file.
    case invalidBody(file: String, reason: String)
    /// A training or evaluation file holds a bad line (`line` is 1-based; nil for the file as a whole).
    case invalidExamples(file: String, line: Int?, reason: String)
    /// The evaluation file uses labels the training file does not.
    case unseenEvaluationLabels(file: String, labels: [String], known: [String])
    /// The output folder exists and overwriting was not asked for.
    case outputExists(path: String)
    /// A SetFit folder lacks a file or holds one that does not parse.
    case invalidModelFolder(path: String, reason: String)
    /// A training option is out of range; `name` is the API's parameter name (the CLI maps it to its flag).
    case invalidOption(name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidTrainingData(let reason): return "invalid training data: \(reason)"
        case .invalidHead(let reason): return "invalid classification head: \(reason)"
        case .invalidBody(let file, let reason): return "\(file): \(reason)"
        case .invalidExamples(let file, let line, let reason):
            return line.map { "\(file):\($0): \(reason)" } ?? "\(file): \(reason)"
        case .unseenEvaluationLabels(let file, let labels, let known):
            return "\(file): labels \(labels) do not occur in the training data (which has \(known))"
        case .outputExists(let path): return "\(path) already exists"
        case .invalidModelFolder(let path, let reason): return "\(path): not a SetFit model folder: \(reason)"
        case .invalidOption(let name, let reason): return "\(name): \(reason)"
        }
    }
}
