import ArgumentParser
import Foundation
import Fuse

/// `fuse embed` (also `fuse --inputs …`): embed files into a model's shared space.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed files (text, images, audio, plugin formats) into a model's shared space.",
        discussion: """
            Each input becomes one unit vector. Without --out a summary is printed; --out PATH writes
            .safetensors (tensor "embeddings" [N, D]), .npy (float32 [N, D]) or .json (one object per input with
            input, modality, embedding); --out - prints that JSON to stdout.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The model folder (Hugging Face layout or a converted Meta-Transformer), or "
                + "org/name[@revision] from the Hugging Face cache (see --download).",
            valueName: "DIR"))
    var model: String

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Files to embed.", valueName: "FILE"))
    var inputs: [String]

    @OptionGroup var output: OutputOption<OutHelp>

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read every input with this plugin instead of detecting it.",
            valueName: "ID"))
    var plugin: String?

    @OptionGroup var precision: PrecisionOption
    @OptionGroup var audioAs: AudioAsOption

    @OptionGroup var download: DownloadOption

    @OptionGroup var force: ForceFlag<ForceHelp>

    @OptionGroup var quiet: QuietFlag<QuietHelp>

    enum OutHelp: OptionHelp {
        static let help = "Where to write the embeddings (.safetensors, .npy, .json, or - for JSON on stdout)."
    }
    enum ForceHelp: OptionHelp { static let help = "Replace an existing output file." }
    enum QuietHelp: OptionHelp { static let help = "No progress bar." }

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one file with --inputs") }
        if let out = output.out, out != "-" { _ = try EmbeddingOutput.format(of: URL(fileURLWithPath: out)) }
    }

    func run() async throws {
        // Refuse to clobber before doing any work, not after minutes of embedding.
        if let out = output.out, out != "-", !force.isSet, FileManager.default.fileExists(atPath: out) {
            throw FuseError.outputExists(path: out)
        }
        let modelDirectory = try await download.resolve(model, quiet: quiet.isSet)
        let runtime = try FuseRuntime(
            modelDirectory: modelDirectory, precision: precision.value(),
            speech: audioAs.speech(
                modelDirectory: modelDirectory, precision: precision.value(), quiet: quiet.isSet))
        precision.report(runtime)
        let progress = ProgressBar(total: inputs.count, label: "embedding", enabled: !quiet.isSet)
        let embeddings = try await runtime.embed(
            files: inputs.map { URL(fileURLWithPath: $0) }, pluginID: plugin,
            progress: { done, total in progress.update(done) })
        progress.finish()
        switch output.out {
        case "-":
            FileHandle.standardOutput.write(try EmbeddingOutput.json(embeddings))
            FileHandle.standardOutput.write(Data("\n".utf8))
        case let path?:
            try EmbeddingOutput.write(embeddings, to: URL(fileURLWithPath: path), overwrite: force.isSet)
            if !quiet.isSet {
                printError(
                    "wrote \(embeddings.count) embeddings of dimension \(runtime.model.embeddingDimension) to \(path)")
            }
        case nil:
            for embedding in embeddings {
                let head = embedding.vector.prefix(4).map { String(format: "%+.4f", $0) }.joined(separator: " ")
                print(
                    "\(embedding.sources.joined(separator: " + "))\t\(embedding.modality)\t"
                        + "dim \(embedding.dimension)\t[\(head) …]")
            }
        }
    }
}

/// Prints `message` on stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
