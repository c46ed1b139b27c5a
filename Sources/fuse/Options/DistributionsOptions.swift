import ArgumentParser
import Foundation
import FuseLLM

/// What `fuse llm align` and `fuse llm fuse` read: the distributions folder, the base model and the source models.
/// `Help` says, for the command, which step wrote the folder and
/// what the sources must be.
struct DistributionsOptions<Help: DistributionsHelp>: ParsableArguments {
    @Option(help: ArgumentHelp(Help.dists))
    var dists: String

    @Option(help: ArgumentHelp(Help.base))
    var base: String

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp(Help.sources))
    var sources: [String]

    /// The distributions folder.
    var folder: URL { URL(fileURLWithPath: dists) }
}

/// A command's help for `DistributionsOptions`.
protocol DistributionsHelp {
    static var dists: String { get }
    static var base: String { get }
    static var sources: String { get }
}
