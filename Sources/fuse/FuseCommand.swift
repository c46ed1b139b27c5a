import ArgumentParser
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
        ],
        defaultSubcommand: MainCommand.self
    )

    /// Marks each `--inputs` occurrence of the main job so its groups survive parsing (see `JobArguments`).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let others = ["embed", "plugins", "inspect", "llm", "bench", "describe"]
        await main(arguments.first.map(others.contains) == true ? arguments : JobArguments.markGroups(arguments))
    }
}
