import ArgumentParser
import Foundation
import Fuse

/// `--model DIR`: a model folder, or `org/name[@revision]` from the Hugging Face cache. Without it, the default
/// model by the rule every command follows (`JobArguments.defaultModelDirectory`).
struct ModelOption<Help: OptionHelp>: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(Help.help, valueName: "DIR"))
    var model: String?

    /// `--model` resolved against the working directory and the Hugging Face cache, else the default model.
    func directory() throws -> URL {
        var arguments = JobArguments()
        arguments.model = model
        return try arguments.modelDirectory(
            currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            executable: Bundle.main.executableURL)
    }
}

/// The help of `--model` where the default model is the fallback.
enum DefaultModelHelp: OptionHelp {
    static let help =
        "The model folder or org/name[@revision] from the Hugging Face cache (default: "
        + "\(JobArguments.defaultModel) in the working directory or the fuse checkout)."
}
