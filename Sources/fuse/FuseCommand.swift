import ArgumentParser
import Foundation
import Fuse

/// `fuse`: turn files of any modality into embeddings in one shared space, and fuse them.
@main
struct FuseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse",
        abstract: "Turn files of any modality into embeddings in one shared space, and fuse them.",
        version: FuseVersion.string,
        subcommands: [
            MainCommand.self,
            EmbedCommand.self,
            PluginsCommand.self,
            InspectCommand.self,
            TokenizeCommand.self,
            LLMCommand.self,
            DescribeCommand.self,
            BenchCommand.self,
            IndexCommand.self,
            SearchCommand.self,
            ServeCommand.self,
            PullCommand.self,
        ],
        defaultSubcommand: MainCommand.self
    )

    /// The subcommands' names (`run` is the default one).
    static var subcommandNames: [String] {
        configuration.subcommands.map { $0.configuration.commandName ?? $0._commandName }
    }

    /// Refuses a first word that names no subcommand (the main job takes only options, so `fuse bogus` is a typo,
    /// not input for `run`), and marks each `--inputs` occurrence of the main job so its groups survive parsing
    /// (see `JobArguments`).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, !first.hasPrefix("-"), first != "help", !subcommandNames.contains(first) {
            printError("Error: '\(first)' is not a fuse subcommand; the subcommands are "
                       + subcommandNames.joined(separator: ", ")
                       + " (the main job, run, takes options only: fuse --inputs FILE…). See fuse --help.")
            Foundation.exit(64)
        }
        let passThrough = arguments.first.map { $0 != MainCommand.configuration.commandName && subcommandNames.contains($0) }
        await main(passThrough == true ? arguments : JobArguments.markGroups(arguments))
    }
}
