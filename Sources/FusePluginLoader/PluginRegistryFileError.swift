/// Errors about the user's plugin registry file (`plugins.json`) and the names recorded in it.
public enum PluginRegistryFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file exists but is not a registry this version of Fuse can read.
    case malformed(file: String, reason: String)
    /// The name is already taken, by a built-in plugin or by a registered library (`holder` says which).
    case duplicateName(name: String, holder: String)
    /// No registered plugin has this name.
    case unknownName(name: String, file: String, registered: [String])
    /// A registered library can no longer be loaded (moved, rebuilt against another ABI, …).
    case registeredPluginUnusable(name: String, file: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let file, let reason):
            return "\(file): not a valid Fuse plugin registry: \(reason)"
        case .duplicateName(let name, let holder):
            return "a plugin named '\(name)' already exists (\(holder)); register this one under another name"
        case .unknownName(let name, let file, let registered):
            let known = registered.isEmpty ? "none registered" : "registered: " + registered.joined(separator: ", ")
            return "\(file): no registered plugin named '\(name)' (\(known))"
        case .registeredPluginUnusable(let name, let file, let reason):
            return "registered plugin '\(name)' (from \(file)) cannot be loaded: \(reason); "
                + "fix the library or unregister '\(name)'"
        }
    }
}
