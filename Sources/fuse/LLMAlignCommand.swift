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

    @Option(help: "The distributions folder written by `fuse llm logits`.")
    var dists: String

    @Option(help: "The base (target) model's name.")
    var base: String

    @Option(name: .long, parsing: .upToNextOption, help: "Source model names.")
    var sources: [String]

    @Option(help: "hard (exact match) or soft (MinED mapping; FuseLLM's default in its scripts).")
    var mode: String = "soft"

    @Option(help: "The corpus, to check it is the one the distributions came from.")
    var corpus: String?

    @Option(help: "Where vocabulary mappings are cached (default: $FUSE_CACHE_DIR or ~/.cache/fuse/vocab-mappings).")
    var cacheDir: String?

    func run() throws {
        guard let mode = VocabularyAlignment(rawValue: mode) else {
            throw ValidationError("--mode must be hard or soft, got '\(self.mode)'")
        }
        let runner = AlignmentRunner(mode: mode, cacheDirectory: cacheDir.map { URL(fileURLWithPath: $0) }
                                     ?? VocabularyMappingCache.defaultDirectory())
        let start = Date()
        try runner.run(folder: URL(fileURLWithPath: dists), base: base, sources: sources,
                       corpus: try corpus.map { try Corpus(url: URL(fileURLWithPath: $0)) })
        print("aligned \(sources.joined(separator: ", ")) to \(base) (\(mode.rawValue)) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}
