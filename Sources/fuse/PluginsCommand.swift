import ArgumentParser
import Foundation
import Fuse
import FusePluginLoader

/// `fuse plugins …`: list, register and unregister modality plugins.
///
/// Registered plugins are shared libraries implementing the C ABI of `include/fuse_plugin.h`, recorded in
/// `$FUSE_PLUGIN_PATH`, else `$XDG_CONFIG_HOME/fuse/plugins.json`, else `~/.config/fuse/plugins.json`.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List and manage modality plugins.",
        discussion: """
            Built-in plugins come first, then registered ones in registration order; when several claim the same \
            extension or magic bytes, the earlier one wins. The registry file is $FUSE_PLUGIN_PATH, else \
            $XDG_CONFIG_HOME/fuse/plugins.json, else ~/.config/fuse/plugins.json.
            """,
        subcommands: [List.self, Register.self, Unregister.self, Decode.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List built-in and registered plugins, their ABI version, what each claims, and conflicts.")

        func run() async throws {
            let file = PluginRegistryFile.user()
            let assembly = try PluginAssembly.inspect(builtins: BuiltinPlugins.all, file: file)
            let listing = PluginListing(assembly)
            print(listing.table())
            if !listing.conflicts.isEmpty {
                print("\nExtension conflicts (built-ins first, then registration order):")
                for line in listing.conflicts { print("  " + line) }
            }
            print("\nRegistry: \(file.url.path) (\(assembly.entries.count) registered)")
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a plugin shared library and record it in the registry.")

        @Argument(help: "Path of the plugin shared library (.so / .dylib).")
        var path: String

        @Option(help: "Register under this name instead of the plugin's own id.")
        var name: String?

        func run() async throws {
            let file = PluginRegistryFile.user()
            let builtins = BuiltinPlugins.all
            let plugin = try file.register(
                libraryAt: URL(fileURLWithPath: path), name: name,
                reservedNames: Set(builtins.map(\.id)))
            print(
                "registered '\(plugin.id)' (\(plugin.modality), ABI \(plugin.descriptor.abiVersion)) "
                    + "from \(plugin.libraryPath)")
            print("  claims: \(PluginListing.describe(plugin.claims))")
            let assembly = try PluginAssembly.inspect(builtins: builtins, file: file)
            for conflict in assembly.conflicts where conflict.claimants.contains(plugin.id) {
                let winner = conflict.claimants[0]
                print(
                    winner == plugin.id
                        ? "  note: .\(conflict.ext) is also claimed by \(conflict.claimants.dropFirst().joined(separator: ", ")); '\(plugin.id)' wins"
                        : "  note: .\(conflict.ext) is already claimed by '\(winner)', which takes precedence")
            }
            print("  registry: \(file.url.path)")
        }
    }

    struct Unregister: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a registered plugin from the registry.")

        @Argument(help: "The name the plugin is registered under (see `fuse plugins list`).")
        var name: String

        func run() async throws {
            let file = PluginRegistryFile.user()
            if BuiltinPlugins.all.contains(where: { $0.id == name }) {
                throw ValidationError("'\(name)' is a built-in plugin; only registered plugins can be unregistered")
            }
            let entry = try file.unregister(name: name)
            print("unregistered '\(entry.name)' (\(entry.path)) from \(file.url.path)")
        }
    }

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which plugin reads a file and what it decodes it into (no model needed).")

        @Argument(help: "The file to decode.")
        var file: String

        @Option(help: "Use this plugin instead of choosing by magic bytes and extension.")
        var plugin: String?

        func run() async throws {
            let registry = try PluginRegistry.assembled(builtins: BuiltinPlugins.all)
            let url = URL(fileURLWithPath: file)
            let chosen = try registry.plugin(for: url, explicitID: plugin)
            let source = (chosen as? LoadedPlugin)?.libraryPath ?? "built-in"
            print("\(file): plugin '\(chosen.id)' (\(chosen.modality), \(source))")
            print("  " + SampleSummary.describe(try chosen.decode(contentsOf: url)))
        }
    }
}
