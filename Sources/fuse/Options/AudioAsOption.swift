import ArgumentParser
import Foundation
import Fuse

/// `--audio-as audio|text` and `--speech-model DIR`: whether sounds go through the model's audio tower or are
/// transcribed (Whisper) and embedded as the text of their transcripts, so they land where their words do.
struct AudioAsOption: ParsableArguments {
    @Option(
        name: .customLong("audio-as"),
        help: ArgumentHelp(
            "How sounds are embedded: audio (the model's audio tower) or text (transcribed by --speech-model, then "
                + "embedded as the transcript's text). Default: what the model folder's config asks for "
                + "(fuse_audio_as; the bundled model asks for text when models/whisper-tiny.en is installed), else "
                + "audio.", valueName: "audio|text"))
    var audioAs: String?

    @Option(
        name: .customLong("speech-model"),
        help: ArgumentHelp(
            "The Whisper folder that transcribes for --audio-as text (default: \(JobArguments.defaultSpeechModel)).",
            valueName: "DIR"))
    var speechModel: String?

    func validate() throws {
        if let audioAs, !["audio", "text"].contains(audioAs) {
            throw ValidationError("--audio-as takes audio or text, got '\(audioAs)'")
        }
        if speechModel != nil && audioAs != "text" {
            throw ValidationError("--speech-model applies to --audio-as text")
        }
    }

    /// The transcriber for sounds: `--audio-as text`'s (with `--speech-model` or the default Whisper folder); none
    /// for `--audio-as audio`; without the option, the one `modelDirectory`'s config asks for (its note, when the
    /// folder's Whisper model is missing, goes to stderr unless `quiet`). The transcriber computes in `precision`.
    func speech(modelDirectory: URL, precision: Precision = .fp32, quiet: Bool = false) throws -> SpeechModel? {
        let speech: SpeechModel?
        switch audioAs {
        case "audio":
            return nil
        case "text":
            speech = try SpeechModel.load(directory: Self.speechFolder(speechModel), precision: precision)
        default:
            let routing = try AudioRouting.configured(modelDirectory: modelDirectory)
            if let note = routing.note, !quiet { printError("note: \(note)") }
            speech = try routing.speechModel.map { try SpeechModel.load(directory: $0, precision: precision) }
        }
        if let note = speech?.whisper.precisionNote { printError("note: \(note)") }
        return speech
    }

    /// `--speech-model`'s folder (relative to the working directory), else the default Whisper folder found by the
    /// default-model rule (`models/whisper-tiny.en` here or in the checkout of the running binary).
    static func speechFolder(_ speechModel: String?) throws -> URL {
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return try speechModel.map { URL(fileURLWithPath: $0, relativeTo: current) }
            ?? JobArguments.defaultModelDirectory(
                currentDirectory: current, executable: Bundle.main.executableURL,
                relativePath: JobArguments.defaultSpeechModel)
    }
}
