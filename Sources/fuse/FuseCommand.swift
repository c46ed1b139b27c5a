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
            SetFitCommand.self,
            ClassifyCommand.self,
            NERCommand.self,
            TranscribeCommand.self,
        ],
        defaultSubcommand: MainCommand.self
    )

    /// The subcommands' names (`run` is the default one).
    static var subcommandNames: [String] {
        configuration.subcommands.map { $0.configuration.commandName ?? $0._commandName }
    }

    /// Refuses a first word that names no subcommand (the main job takes only options, so `fuse bogus` is a typo,
    /// not input for `run`), marks each `--inputs` occurrence of the main job so its groups survive parsing
    /// (see `JobArguments`), and words every command's error with the CLI's advice (`ErrorAdvice`).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, !first.hasPrefix("-"), first != "help", !subcommandNames.contains(first) {
            printError(
                "Error: '\(first)' is not a fuse subcommand; the subcommands are "
                    + subcommandNames.joined(separator: ", ")
                    + " (the main job, run, takes options only: fuse --inputs FILE…). See fuse --help.")
            Foundation.exit(64)
        }
        let passThrough = arguments.first.map {
            $0 != MainCommand.configuration.commandName && subcommandNames.contains($0)
        }
        await run(passThrough == true ? arguments : JobArguments.markGroups(arguments))
    }

    /// ArgumentParser's `main(_:)`, with the one error path of every command going through `ErrorAdvice`.
    static func run(_ arguments: [String]) async {
        var parsed: (any ParsableCommand)?
        do {
            var command = try await asyncParseAsRoot(arguments)
            parsed = command
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: ErrorAdvice.advised(error, command: parsed))
        }
    }
}
