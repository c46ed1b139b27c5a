import ArgumentParser
import Foundation
import FuseLLM

/// `fuse llm fuse`: one target distribution per base token.
struct LLMFuseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse",
        abstract: "Step 3: fuse the base and aligned source distributions (MinCE / AvgCE) and export them.",
        discussion: """
            Each model's step target is softmax(top-k logits / --temperature) on the base vocabulary. Per sequence:
              mince        the distribution of the model with the lowest metric_ce (FuseLLM's default)
              avgce        weighted by softmax(exp(-CE)) — FuseLLM's code
              avgce-paper  weighted by softmax(-CE) — the paper's wording
            Writes into --out: fused-00000.safetensors, … (input_ids, sequence_offsets, step_offsets, ids, probs,
            weights) and fused.json (corpus SHA-256, models, method). Train the base model on
            λ·L_CLM + (1−λ)·L_fuse, L_fuse the cross-entropy against these targets (docs/LLM.md).
            """)

    @OptionGroup var distributions: DistributionsOptions<Help>

    @Option(help: "mince, avgce or avgce-paper.")
    var method = "mince"

    @Option(parsing: .unconditional, help: "Softmax temperature of every model's top-k logits.")
    var temperature = 1.0

    @Option(help: "The output folder.")
    var out: String

    @Option(help: "The corpus, to check it is the one the distributions came from.")
    var corpus: String?

    enum Help: DistributionsHelp {
        static let dists = "The distributions folder (after `fuse llm align`)."
        static let base = "The base model's name."
        static let sources = "Source model names (aligned already)."
    }

    func run() throws {
        guard let method = FusionMethod(rawValue: method) else {
            throw ValidationError(
                "--method must be one of \(FusionMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let export = try FusionRunner(method: method, temperature: temperature).run(
            folder: distributions.folder, base: distributions.base, sources: distributions.sources,
            output: URL(fileURLWithPath: out), corpus: try corpus.map { try Corpus(url: URL(fileURLWithPath: $0)) })
        print("fused \(export.sequences) sequences (\(method.rawValue), T = \(temperature)) → \(out)")
    }
}
