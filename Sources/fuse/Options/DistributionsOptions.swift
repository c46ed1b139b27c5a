import ArgumentParser
import Foundation
import FuseLLM

/// What `fuse llm align` and `fuse llm fuse` read: the distributions folder, the base model, the source models and
/// the corpus the distributions must come from. `Help` says, for the command, which step wrote the folder and
/// what the sources must be.
struct DistributionsOptions<Help: DistributionsHelp>: ParsableArguments {
    @Option(help: ArgumentHelp(Help.dists))
    var dists: String

    @Option(help: ArgumentHelp(Help.base))
    var base: String

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp(Help.sources))
    var sources: [String]

    @Option(help: "The corpus, to check it is the one the distributions came from.")
    var corpus: String?

    /// The distributions folder.
    var folder: URL { URL(fileURLWithPath: dists) }

    /// `--corpus` read, when given.
    func readCorpus() throws -> Corpus? {
        try corpus.map { try Corpus(url: URL(fileURLWithPath: $0)) }
    }
}

/// A command's help for `DistributionsOptions`.
protocol DistributionsHelp {
    static var dists: String { get }
    static var base: String { get }
    static var sources: String { get }
}
