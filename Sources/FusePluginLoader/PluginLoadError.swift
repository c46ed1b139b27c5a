/// Errors from loading a plugin library or calling into it. Every case names the library (and the file being
/// decoded, when there is one) and says what is wrong, so a broken third-party plugin is reported, never a crash.
public enum PluginLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a shared library this system can load (no ELF / Mach-O header, or `dlopen` refused it).
    case notASharedLibrary(library: String, reason: String)
    /// The library does not export the ABI's entry function.
    case missingEntrySymbol(library: String, symbol: String)
    /// The entry function returned no descriptor.
    case nullDescriptor(library: String)
    /// The descriptor was built against another version of `fuse_plugin.h`.
    case abiVersionMismatch(library: String, found: UInt32, supported: UInt32)
    /// A required function pointer in the descriptor is null.
    case nullFunction(library: String, function: String)
    /// A descriptor field is missing or malformed (id, modality, claims, sizes).
    case invalidDescriptor(library: String, field: String, reason: String)
    /// The plugin's `decode` reported a failure; `message` is what its `last_error` returned.
    case decodeFailed(plugin: String, library: String, file: String, message: String)
    /// The plugin's `decode` succeeded but returned a result that cannot be right (bad kind, shape or values).
    case impossibleResult(plugin: String, library: String, file: String, reason: String)

    public var description: String {
        switch self {
        case .notASharedLibrary(let library, let reason):
            return "\(library): not a loadable shared library: \(reason)"
        case .missingEntrySymbol(let library, let symbol):
            return "\(library): does not export the Fuse plugin entry '\(symbol)' (see include/fuse_plugin.h)"
        case .nullDescriptor(let library):
            return "\(library): the plugin entry returned no descriptor (NULL)"
        case .abiVersionMismatch(let library, let found, let supported):
            return "\(library): plugin ABI version \(found) is not supported (this fuse loads version \(supported)); "
                + "rebuild the plugin against this fuse's include/fuse_plugin.h"
        case .nullFunction(let library, let function):
            return "\(library): the descriptor's '\(function)' function pointer is NULL"
        case .invalidDescriptor(let library, let field, let reason):
            return "\(library): invalid descriptor field '\(field)': \(reason)"
        case .decodeFailed(let plugin, let library, let file, let message):
            return "\(file): plugin '\(plugin)' (\(library)) failed to decode it: \(message)"
        case .impossibleResult(let plugin, let library, let file, let reason):
            return "\(file): plugin '\(plugin)' (\(library)) returned an impossible result: \(reason)"
        }
    }
}
