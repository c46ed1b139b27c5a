import ArgumentParser
import Foundation
import FuseLLM

/// `fuse llm logits`: per-token top-k distributions of every model over a corpus.
struct LLMLogitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Step 1: every model's per-step top-k logits and metric_ce over a corpus.",
        discussion: """
            Reads the corpus (JSON Lines with a "text" field, or plain text with one text per line; empty lines are
            errors), splits texts that are longer than --window tokens under any model's tokenizer at word
            boundaries (so every model sees the same sequences), runs each model and writes into --out:
              manifest.json                    corpus SHA-256, settings, sequences, completed shards per model
              <model>/topk-00000.safetensors   input_ids, sequence/step offsets, top-k ids + logits, metric_ce
            metric_ce is FuseLLM's per-sequence mean cross-entropy on the gold next tokens. Shards are recorded as
            they complete: rerunning the same command resumes an interrupted run. Model names are the folders' names
            (a cached org/name's: its name).
            """)

    @Option(
        name: .long, parsing: .upToNextOption,
        help: "Model folders or cached org/name[@revision] (base first, then sources).")
    var models: [String]

    @Option(help: "The corpus: .jsonl (field --field) or plain text.")
    var corpus: String

    @Option(help: "The JSON field holding each text in a .jsonl corpus.")
    var field = "text"

    @Option(help: "The output folder (created; reused to resume).")
    var out: String

    @Option(parsing: .unconditional, help: "Tokens per sequence (default: the smallest model context).")
    var window: Int?

    @Option(parsing: .unconditional, help: "Logits kept per step (FuseLLM keeps 10).")
    var topK = 10

    @Option(help: "Sequences per shard file.")
    var shardSize = 256

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("--models: name at least one model folder") }
        if let window, window < 2 { throw ValidationError("--window must be at least 2 tokens") }
    }

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var download: DownloadOption

    func run() async throws {
        let corpus = try Corpus(url: URL(fileURLWithPath: corpus), field: field)
        let bundles = try await download.languageModels(models, precision: precision.value(), quiet: false)
        precision.report(bundles.map(\.model))
        let window = self.window ?? bundles.map(\.model.config.maxPositions).min() ?? 2
        let extractor = try DistributionExtractor(window: window, topK: topK, shardSize: shardSize)
        let start = Date()
        let manifest = try extractor.run(corpus: corpus, models: bundles, folder: URL(fileURLWithPath: out)) {
            model, shard, count in
            FileHandle.standardError.write(Data("\(model): shard \(shard + 1)/\(count)\n".utf8))
        }
        print(
            "\(manifest.sequences) sequences from \(corpus.texts.count) texts, \(bundles.count) model(s), "
                + "window \(window), top-k \(topK) → \(out) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)"
        )
    }
}
