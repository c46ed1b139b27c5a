import Foundation
import FuseCore
import FusePluginLoader

extension FuseRuntime {
    /// Loads a modality plugin from a shared library implementing the C ABI of `include/fuse_plugin.h` and
    /// registers it after the plugins already present (built-ins keep precedence on shared extensions).
    ///
    /// Its samples feed the model's tower of the same modality name, e.g. a Meta-Transformer folder listing
    /// `"tabular": {"input": "features", …}`.
    ///
    /// ```swift
    /// let runtime = try FuseRuntime(modelDirectory: modelFolder)
    /// try runtime.loadPlugin(at: URL(fileURLWithPath: "samples/plugins/csv-tabular/libcsv_tabular.so"))
    /// let rows = try await runtime.embed(file: URL(fileURLWithPath: "samples/plugins/csv-tabular/example.csv"))
    /// ```
    ///
    /// - Parameter name: the id to register it under; defaults to the plugin's own id.
    /// - Throws: `PluginLoadError` naming the library when it is unusable (not a shared library, no entry symbol,
    ///   wrong ABI version, a null function); `FuseError.duplicatePlugin` when the id is taken.
    @discardableResult
    public func loadPlugin(at library: URL, name: String? = nil) throws -> LoadedPlugin {
        let plugin = try LoadedPlugin.load(from: library, name: name)
        try register(plugin)
        return plugin
    }

    /// Loads every plugin registered with `fuse plugins register` (the registry file `file`, by default the
    /// user's: `$FUSE_PLUGIN_PATH` or `$XDG_CONFIG_HOME/fuse/plugins.json`), in registration order.
    ///
    /// - Throws: `PluginRegistryFileError.registeredPluginUnusable` naming the first entry whose library no longer
    ///   loads (and how to unregister it); errors reading the registry file itself.
    @discardableResult
    public func loadRegisteredPlugins(from file: PluginRegistryFile = .user()) throws -> [LoadedPlugin] {
        var loaded: [LoadedPlugin] = []
        for entry in try file.read() {
            do {
                loaded.append(try loadPlugin(at: URL(fileURLWithPath: entry.path), name: entry.name))
            } catch {
                throw PluginRegistryFileError.registeredPluginUnusable(
                    name: entry.name, file: file.url.path,
                    reason: "\(error)")
            }
        }
        return loaded
    }
}
