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
            EmbedCommand.self,
            PluginsCommand.self,
            InspectCommand.self,
            LLMCommand.self,
            DescribeCommand.self,
            BenchCommand.self,
        ],
        defaultSubcommand: EmbedCommand.self
    )
}
