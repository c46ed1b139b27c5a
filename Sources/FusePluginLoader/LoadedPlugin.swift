import CFusePluginABI
import Foundation
import FuseCore

/// A modality plugin loaded from a shared library through the C ABI of `include/fuse_plugin.h`, wrapped so the
/// registry, the fusion engine and the CLI treat it exactly like a built-in one.
///
/// ```swift
/// let plugin = try LoadedPlugin.load(from: URL(fileURLWithPath: "libcsv_features.so"))
/// let sample = try plugin.decode(contentsOf: URL(fileURLWithPath: "table.csv"))   // .features([T, P], "tabular")
/// let tokens = try plugin.tokenize(sample, context: PreprocessingContext(maxTokens: 512))
/// ```
public struct LoadedPlugin: ModalityPlugin {
    /// The name the plugin is registered under: `--name` when one was given, otherwise the plugin's own id.
    public let id: String
    /// What the library declared about itself.
    public let descriptor: PluginDescriptor
    /// The library's path (or where an in-process plugin came from).
    public let libraryPath: String
    /// Held for its meaning (this plugin's functions live in it); libraries are never closed.
    private let library: SharedLibrary?

    public var modality: Modality { descriptor.modality }
    public var claims: PluginClaims { descriptor.claims }

    /// Opens the library at `url`, finds its entry function, and reads and checks its descriptor.
    ///
    /// - Parameter name: the id to register it under (defaults to the descriptor's id); must follow `PluginName`.
    /// - Throws: `PluginLoadError` naming the library for every way it can be unusable; `FuseError` when the file
    ///   is missing or unreadable.
    public static func load(from url: URL, name: String? = nil) throws -> LoadedPlugin {
        if let name, !PluginName.isValid(name) {
            throw FuseError.invalidArgument(
                what: "plugin name '\(name)'",
                reason: "use letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        let library = try SharedLibrary(url: url)
        guard let symbol = library.symbol(named: PluginDescriptor.entrySymbol) else {
            throw PluginLoadError.missingEntrySymbol(library: library.path, symbol: PluginDescriptor.entrySymbol)
        }
        let entry = unsafeBitCast(symbol, to: fuse_plugin_entry_fn.self)
        guard let raw = entry() else { throw PluginLoadError.nullDescriptor(library: library.path) }
        let descriptor = try PluginDescriptor.read(UnsafeRawPointer(raw), library: library.path)
        return LoadedPlugin(
            id: name ?? descriptor.id, descriptor: descriptor, libraryPath: library.path,
            library: library)
    }

    /// Wraps an already-read descriptor (a plugin linked into the process, e.g. one built with FusePluginKit).
    public init(descriptor: PluginDescriptor, name: String? = nil, origin: String = "(in process)") {
        self.init(id: name ?? descriptor.id, descriptor: descriptor, libraryPath: origin, library: nil)
    }

    private init(id: String, descriptor: PluginDescriptor, libraryPath: String, library: SharedLibrary?) {
        self.id = id
        self.descriptor = descriptor
        self.libraryPath = libraryPath
        self.library = library
    }

    /// Calls the plugin's `decode`, checks what it returned, and copies it into a `Sample`:
    /// `.features([T, P], modality:)` or `.ids(_, modality:)`.
    public func decode(contentsOf url: URL) throws -> Sample {
        try FuseError.requireFile(url)
        let entry = descriptor.entryPoints
        var result = fuse_plugin_result()
        let status = url.path.withCString { entry.decode(entry.context, $0, &result) }
        guard status == FUSE_PLUGIN_OK else {
            let message = entry.lastError(entry.context).flatMap { String(validatingCString: $0) }
            throw PluginLoadError.decodeFailed(
                plugin: id, library: libraryPath, file: url.path,
                message: message.map { $0.isEmpty ? "(empty message)" : $0 } ?? "error code \(status), no message")
        }
        defer { entry.freeResult(entry.context, &result) }
        let checker = ResultChecker(plugin: id, library: libraryPath, file: url.path)
        return try checker.sample(from: result, modality: modality)
    }

    /// Turns the plugin's features or ids into token sequences: features pass through as `[T, P]` tokens; a sample
    /// longer than `context.maxTokens` becomes several windows (overlapping by `context.windowOverlap`), never a
    /// silently truncated one.
    public func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] {
        guard sample.modality == modality else {
            throw FuseError.unsupportedSample(
                plugin: id, reason: "produces '\(modality)' samples, was given a '\(sample.modality)' sample")
        }
        let windows = try TokenWindows(context: context, plugin: id)
        switch sample {
        case .features(let tensor, _):
            guard tensor.rank == 2, tensor.shape[0] > 0, tensor.shape[1] > 0 else {
                throw FuseError.unsupportedSample(
                    plugin: id, reason: "feature samples must be a non-empty [T, P] tensor, got shape \(tensor.shape)")
            }
            return try windows.ranges(count: tensor.shape[0]).map { range in
                try Tokens(modality: modality, content: .features(tensor.rows(range)))
            }
        case .ids(let ids, _):
            guard !ids.isEmpty else { throw FuseError.unsupportedSample(plugin: id, reason: "empty id sequence") }
            return try windows.ranges(count: ids.count).map { range in
                try Tokens(modality: modality, content: .ids(Array(ids[range])))
            }
        default:
            throw FuseError.unsupportedSample(plugin: id, reason: "expected a features or ids sample")
        }
    }
}

extension LoadedPlugin: CustomStringConvertible {
    public var description: String { "\(id) (\(modality), ABI \(descriptor.abiVersion), \(libraryPath))" }
}
