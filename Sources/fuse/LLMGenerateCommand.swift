import ArgumentParser
import Foundation
import FuseLLM

/// `fuse llm generate`: ensemble decoding with fused next-token distributions.
struct LLMGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from several models at once, fusing their next-token distributions every step.",
        discussion: """
            The first model is the base: tokens are generated in its vocabulary. Each source re-tokenizes the text
            so far (its KV cache keeps the common prefix) and its top-k next tokens are mapped into the base
            vocabulary by the minimum-edit-distance mapping. Weights: mean (equal), or mince / avgce / avgce-paper
            from each model's cross-entropy on the prompt. Greedy by default; --seed samples reproducibly.
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Model folders or cached org/name[@revision]: BASE SRC…")
    var models: [String]

    @Option(help: "The prompt.")
    var prompt: String

    @Option(parsing: .unconditional, help: "Tokens to generate.")
    var maxTokens = 32

    @Option(help: "mince, avgce, avgce-paper or mean.")
    var method = "mean"

    @Option(parsing: .unconditional, help: "Sample with this seed instead of greedy decoding.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Softmax temperature of every model's logits.")
    var temperature = 1.0

    @Option(parsing: .unconditional, help: "Next-token candidates per model per step.")
    var topK = 10

    @OptionGroup var cache: MappingCacheOption

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var download: DownloadOption

    func run() async throws {
        guard let method = EnsembleDecoder.Method(rawValue: method) else {
            throw ValidationError(
                "--method must be one of \(EnsembleDecoder.Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let bundles = try await download.languageModels(models, precision: precision.value(), quiet: false)
        precision.report(bundles.map(\.model))
        let decoder = try EnsembleDecoder(
            models: bundles, method: method, topK: topK, temperature: temperature,
            cacheDirectory: cache.directory())
        let result = try decoder.generate(
            prompt: prompt, maxTokens: maxTokens,
            sampling: seed.map { .sample(seed: $0) } ?? .greedy)
        print(prompt + result.text)
        let weights = zip(bundles.map(\.name), result.weights).map { "\($0)=\(String(format: "%.3f", $1))" }
        FileHandle.standardError.write(Data("weights: \(weights.joined(separator: " "))\n".utf8))
    }
}
