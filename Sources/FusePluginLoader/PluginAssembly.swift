import Foundation
import FuseCore

extension PluginRegistry {
    /// Loads the plugin library at `url` and registers it (after every plugin already registered, so built-ins
    /// keep precedence on shared extensions and signatures).
    ///
    /// This is the library-level entry point for `FuseRuntime.loadPlugin(at:)`.
    ///
    /// - Parameter name: the id to register it under; defaults to the plugin's own id.
    /// - Throws: `PluginLoadError` for an unusable library, `FuseError.duplicatePlugin` for a taken name.
    @discardableResult
    public mutating func loadPlugin(at url: URL, name: String? = nil) throws -> LoadedPlugin {
        let plugin = try LoadedPlugin.load(from: url, name: name)
        try register(plugin)
        return plugin
    }

    /// Built-in plugins first (in their order), then the plugins of `file` in registration order — the precedence
    /// the CLI and `fuse --inputs` use. Any registered library that fails to load is an error naming it and how to
    /// unregister it; use `PluginAssembly.inspect` to list plugins without failing.
    public static func assembled(
        builtins: [any ModalityPlugin],
        file: PluginRegistryFile = .user()
    ) throws -> PluginRegistry {
        let assembly = try PluginAssembly.inspect(builtins: builtins, file: file)
        if let failure = assembly.failures.first {
            throw PluginRegistryFileError.registeredPluginUnusable(
                name: failure.entry.name, file: file.url.path, reason: failure.reason)
        }
        return assembly.registry
    }
}

/// Built-in and registered plugins put together, with the registered ones that could not be loaded kept aside
/// (for `fuse plugins list`, which must still show them).
public struct PluginAssembly: Sendable {
    /// A registered library that failed to load, and why.
    public struct Failure: Sendable {
        public let entry: RegisteredPlugin
        public let reason: String
    }

    /// Built-ins first, then the loadable registered plugins in registration order.
    public let registry: PluginRegistry
    /// The registry file's entries, in registration order.
    public let entries: [RegisteredPlugin]
    /// Entries that could not be loaded.
    public let failures: [Failure]
    /// Ids of the built-in plugins.
    public let builtinIDs: Set<String>

    /// Loads every registered library, collecting failures instead of stopping at the first.
    public static func inspect(builtins: [any ModalityPlugin], file: PluginRegistryFile) throws -> PluginAssembly {
        var registry = try PluginRegistry(builtins)
        let entries = try file.read()
        var failures: [Failure] = []
        for entry in entries {
            do {
                try registry.loadPlugin(at: URL(fileURLWithPath: entry.path), name: entry.name)
            } catch {
                failures.append(Failure(entry: entry, reason: "\(error)"))
            }
        }
        return PluginAssembly(
            registry: registry, entries: entries, failures: failures,
            builtinIDs: Set(builtins.map(\.id)))
    }

    /// Extension conflicts in a stable order: each extension with its claimants, the winner first.
    public var conflicts: [(ext: String, claimants: [String])] {
        registry.conflicts.sorted { $0.key < $1.key }.map { (ext: $0.key, claimants: $0.value) }
    }
}

extension PluginRegistryFile {
    /// Loads and checks the library at `url`, then records it under `name` (default: the plugin's id).
    ///
    /// The library is fully validated before anything is written; the name must not belong to a built-in
    /// (`reservedNames`) or to an already registered plugin.
    @discardableResult
    public func register(
        libraryAt url: URL, name: String? = nil,
        reservedNames: Set<String> = []
    ) throws -> LoadedPlugin {
        let absolute = url.standardizedFileURL.resolvingSymlinksInPath()
        let plugin = try LoadedPlugin.load(from: absolute, name: name)
        if reservedNames.contains(plugin.id) {
            throw PluginRegistryFileError.duplicateName(name: plugin.id, holder: "a built-in plugin")
        }
        try update { plugins in
            if let existing = plugins.first(where: { $0.name == plugin.id }) {
                throw PluginRegistryFileError.duplicateName(name: plugin.id, holder: "registered from \(existing.path)")
            }
            plugins.append(
                RegisteredPlugin(
                    name: plugin.id, path: absolute.path, pluginID: plugin.descriptor.id,
                    modality: plugin.modality.name, abiVersion: plugin.descriptor.abiVersion))
        }
        return plugin
    }

    /// Removes the plugin registered under `name` and returns its entry.
    @discardableResult
    public func unregister(name: String) throws -> RegisteredPlugin {
        try update { plugins in
            guard let index = plugins.firstIndex(where: { $0.name == name }) else {
                throw PluginRegistryFileError.unknownName(name: name, file: url.path, registered: plugins.map(\.name))
            }
            return plugins.remove(at: index)
        }
    }
}
