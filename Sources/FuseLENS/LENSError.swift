/// Errors of the LENS descriptor pipeline, each naming what is wrong.
public enum LENSError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyVocabulary(name: String)
    case unreadableVocabulary(path: String, reason: String)
    case noTextTower(model: String)
    case noImageTower(model: String)
    case noAudioTower(model: String)
    case unsupportedModality(model: String, modality: String, path: String)
    case dimensionMismatch(what: String, expected: Int, actual: Int)
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .emptyVocabulary(let name):
            return "vocabulary \(name) has no entries (only empty lines or # comments)"
        case .unreadableVocabulary(let path, let reason):
            return "\(path): cannot read the vocabulary: \(reason)"
        case .noTextTower(let model):
            return "model \(model) has no text tower, so tags and attributes cannot be embedded"
        case .noImageTower(let model):
            return "model \(model) has no image tower sharing its text space, so images cannot be described"
        case .noAudioTower(let model):
            return "model \(model) has no audio tower sharing its text space, so audio cannot be described"
        case .unsupportedModality(let model, let modality, let path):
            return "\(path): model \(model) cannot describe \(modality) inputs (it has no \(modality) tower)"
        case .dimensionMismatch(let what, let expected, let actual):
            return "\(what): expected dimension \(expected), got \(actual)"
        case .invalidParameter(let reason):
            return reason
        }
    }
}
