/// What prevents a server from starting: its arguments, or a model that does not load.
public enum ServeSetupError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidModelArgument(String, reason: String)
    case duplicateModelName(String)
    case noModels
    case invalidLimit(name: String, reason: String)
    case modelLoadFailed(name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidModelArgument(let argument, let reason): "model argument '\(argument)': \(reason)"
        case .duplicateModelName(let name): "two models are named '\(name)'; name them apart with NAME=DIR"
        case .noModels: "no model to serve"
        case .invalidLimit(let name, let reason): "\(name): \(reason)"
        case .modelLoadFailed(let name, let reason): "model '\(name)' failed to load: \(reason)"
        }
    }
}
