import ArgumentParser
import Foundation
import Fuse

/// `--audio-as audio|text` and `--speech-model DIR`: whether sounds go through the model's audio tower or are
/// transcribed (Whisper) and embedded as the text of their transcripts, so they land where their words do.
struct AudioAsOption: ParsableArguments {
    @Option(
        name: .customLong("audio-as"),
        help: ArgumentHelp(
            "How sounds are embedded: audio (the model's audio tower, the default) or text (transcribed by "
                + "--speech-model, then embedded as the transcript's text).", valueName: "audio|text"))
    var audioAs = "audio"

    @Option(
        name: .customLong("speech-model"),
        help: ArgumentHelp(
            "The Whisper folder that transcribes for --audio-as text (default: \(JobArguments.defaultSpeechModel)).",
            valueName: "DIR"))
    var speechModel: String?

    func validate() throws {
        guard ["audio", "text"].contains(audioAs) else {
            throw ValidationError("--audio-as takes audio or text, got '\(audioAs)'")
        }
        if speechModel != nil && audioAs != "text" {
            throw ValidationError("--speech-model applies to --audio-as text")
        }
    }

    /// The transcriber for `--audio-as text` (nil for `audio`).
    func speech() throws -> SpeechModel? {
        guard audioAs == "text" else { return nil }
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let folder =
            try speechModel.map { URL(fileURLWithPath: $0, relativeTo: current) }
            ?? JobArguments.defaultModelDirectory(
                currentDirectory: current, executable: Bundle.main.executableURL,
                relativePath: JobArguments.defaultSpeechModel)
        return try SpeechModel.load(directory: folder)
    }
}
