import ArgumentParser
import Fuse

/// `fuse plugins …`: list the modality plugins.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List and manage modality plugins.",
        subcommands: [List.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the plugins Fuse knows and what each claims.")

        func run() async throws {
            let registry = try BuiltinPlugins.registry()
            for plugin in registry.plugins {
                let exts = plugin.claims.extensions.map { "." + $0 }.joined(separator: " ")
                print("\(plugin.id)\t\(plugin.modality)\tbuilt-in\t\(exts)")
            }
        }
    }
}
