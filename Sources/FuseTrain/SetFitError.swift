/// Errors raised by FuseTrain. Each says what is wrong and where (the file, line, label or field).
public enum SetFitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The examples cannot train a classifier (too few classes, mismatched counts, bad labels, …).
    case invalidTrainingData(reason: String)
    /// A head's stored weights are inconsistent, or an embedding does not fit it.
    case invalidHead(reason: String)
    /// The sentence-transformers body (its config or weights) cannot be trained: `file` says which file.
    case invalidBody(file: String, reason: String)

    public var description: String {
        switch self {
        case .invalidTrainingData(let reason): return "invalid training data: \(reason)"
        case .invalidHead(let reason): return "invalid classification head: \(reason)"
        case .invalidBody(let file, let reason): return "\(file): \(reason)"
        }
    }
}
