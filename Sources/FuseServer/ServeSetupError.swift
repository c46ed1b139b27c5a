/// What prevents a server from starting: its arguments, or a model that does not load.
public enum ServeSetupError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidModelArgument(String, reason: String)
    case duplicateModelName(String)
    case noModels
    case invalidLimit(name: String, reason: String)
    case modelLoadFailed(name: String, reason: String)
    /// A caption bank given for a model name the server does not serve.
    case captionBankForUnknownModel(name: String, served: [String])

    public var description: String {
        switch self {
        case .invalidModelArgument(let argument, let reason): "model argument '\(argument)': \(reason)"
        case .duplicateModelName(let name): "two models are named '\(name)'; name them apart with NAME=DIR"
        case .noModels: "no model to serve"
        case .invalidLimit(let name, let reason): "\(name): \(reason)"
        case .modelLoadFailed(let name, let reason): "model '\(name)' failed to load: \(reason)"
        case .captionBankForUnknownModel(let name, let served):
            "a caption bank is given for '\(name)', which is not a served model (served: \(served.joined(separator: ", ")))"
        }
    }
}
