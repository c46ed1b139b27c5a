import ArgumentParser
import Foundation
import Fuse
import FuseHub

/// `fuse pull ORG/NAME[@REVISION]`: download a model from the Hugging Face Hub into the standard cache.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download a model from the Hugging Face Hub into its standard cache (shared with Python).",
        discussion: """
            Files go where huggingface_hub puts them (HF_HUB_CACHE, else HF_HOME/hub, else \
            ~/.cache/huggingface/hub), so `--model ORG/NAME` then loads offline. By default only what Fuse loads: \
            configs, safetensors weights, tokenizer and preprocessor files, sentence-transformers modules; pickled \
            weights (.bin, .pt, .ckpt) never. Environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN \
            (else the token file of `huggingface-cli login`), HF_HUB_OFFLINE=1 (refuses). An interrupted download \
            resumes where it stopped.
            Examples:
              fuse pull sentence-transformers/all-MiniLM-L6-v2
              fuse pull openai/clip-vit-base-patch32@main --exclude 'tf_*' --exclude 'flax_*'
            """)

    @Argument(
        help: ArgumentHelp(
            "The repository, optionally at a branch, tag or commit.",
            valueName: "ORG/NAME[@REVISION]"))
    var repository: String

    @Option(
        name: .long, parsing: .singleValue,
        help: ArgumentHelp(
            "Download only files matching this glob (repeatable; replaces the default selection).",
            valueName: "GLOB"))
    var include: [String] = []

    @Option(
        name: .long, parsing: .singleValue,
        help: ArgumentHelp("Skip files matching this glob (repeatable).", valueName: "GLOB"))
    var exclude: [String] = []

    @Flag(name: .long, help: "No progress bars; print only the snapshot folder.")
    var quiet = false

    func validate() throws {
        guard RepositoryReference(repository) != nil else {
            throw ValidationError("'\(repository)' is not ORG/NAME[@REVISION]")
        }
    }

    func run() async throws {
        guard let reference = RepositoryReference(repository) else {
            throw ValidationError("'\(repository)' is not ORG/NAME[@REVISION]")
        }
        let downloader = HubDownloader(environment: try HubEnvironment())
        let result = try await downloader.pull(
            reference.repository, revision: reference.revision,
            selection: HubFileSelection(include: include, exclude: exclude),
            progress: PullProgress(enabled: !quiet).handler)
        if !quiet {
            printError(
                "\(result.repository)@\(result.revision) = \(result.commit): \(result.files.count) files, "
                    + "\(result.downloadedBytes) bytes downloaded")
        }
        print(result.snapshot.path)
    }
}
