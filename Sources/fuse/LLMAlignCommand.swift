import ArgumentParser
import Foundation
import FuseLLM

/// `fuse llm align`: maps each source model's steps onto the base model's tokens.
struct LLMAlignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align",
        abstract: "Step 2: align each source model's top-k to the base model's tokens and vocabulary.",
        discussion: """
            For every sequence, FuseLLM's dynamic programming pairs the source tokens with the base tokens (edit
            distance after removing the Ġ / ▁ word markers). A base token paired with exactly one source token gets
            that step's top-k in the base vocabulary if the tokens match (--mode hard: exactly; soft: through the
            minimum-edit-distance vocabulary mapping), otherwise a one-hot on the base token; a base token made of
            several source tokens gets a one-hot. The vocabulary mapping is computed once per tokenizer pair on all
            cores and cached (--cache-dir). Writes aligned-<source>/aligned-00000.safetensors, … into --dists.
            """)

    @OptionGroup var distributions: DistributionsOptions<Help>

    @Option(help: "hard (exact match) or soft (MinED mapping; FuseLLM's default in its scripts).")
    var mode: String = "soft"

    @Option(help: "The corpus, to check it is the one the distributions came from.")
    var corpus: String?

    @OptionGroup var cache: MappingCacheOption

    enum Help: DistributionsHelp {
        static let dists = "The distributions folder written by `fuse llm logits`."
        static let base = "The base (target) model's name."
        static let sources = "Source model names."
    }

    func run() throws {
        guard let mode = VocabularyAlignment(rawValue: mode) else {
            throw ValidationError("--mode must be hard or soft, got '\(self.mode)'")
        }
        let runner = AlignmentRunner(mode: mode, cacheDirectory: cache.directory())
        let start = Date()
        try runner.run(
            folder: distributions.folder, base: distributions.base, sources: distributions.sources,
            corpus: try corpus.map { try Corpus(url: URL(fileURLWithPath: $0)) })
        print(
            "aligned \(distributions.sources.joined(separator: ", ")) to \(distributions.base) (\(mode.rawValue)) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s"
        )
    }
}
