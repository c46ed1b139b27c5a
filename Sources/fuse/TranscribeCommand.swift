import ArgumentParser
import Foundation
import Fuse
import FuseModels

/// `fuse transcribe`: speech to text with a Whisper model, one line (or JSON object) per audio file.
struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Print what is said in each audio FILE (Whisper speech to text).",
        discussion: """
            The model is a Hugging Face Whisper folder (default: models/whisper-tiny.en, which \
            tools/setup_models.sh installs) or org/name from the Hugging Face cache. Audio of any container \
            libsndfile reads is mixed to mono and resampled to 16 kHz; recordings longer than 30 s are decoded \
            window by window. Decoding is beam search with 5 beams (--beam-size 1: greedy), as OpenAI's whisper \
            and faster-whisper default to. Output: the text of each file, after "FILE: " when there are several; \
            with --timestamps one "[start → end] text" line per segment; with --json one JSON object per file \
            (file, text, tokens, and segments with times when --timestamps is given). Silence gives empty text. \
            --precision bf16 or int8 stores the decoder's weights (and runs the encoder's layers) in that precision, \
            with fp32 sums (docs/SPEECH.md).
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A Whisper model folder or org/name[@revision] from the Hugging Face cache (default: "
                + "\(JobArguments.defaultSpeechModel)).", valueName: "DIR"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Beams of the beam search; 1 decodes greedily.", valueName: "N"))
    var beamSize = 5

    @Flag(name: .long, help: "Segments with their start and end times.")
    var timestamps = false

    @Flag(name: .long, help: "One JSON object per file instead of text.")
    var json = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The spoken language of multilingual models (de, german, <|de|>); default: detected.",
            valueName: "LANGUAGE"))
    var language: String?

    @OptionGroup var precision: PrecisionOption

    @Argument(help: ArgumentHelp("Audio files to transcribe.", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        if beamSize < 1 { throw ValidationError("--beam-size must be at least 1, got \(beamSize)") }
        if files.isEmpty { throw ValidationError("give one or more audio FILEs") }
    }

    func run() throws {
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let folder =
            try model.map { try ModelLocator.resolve($0, base: current) }
            ?? JobArguments.defaultModelDirectory(
                currentDirectory: current, executable: Bundle.main.executableURL,
                relativePath: JobArguments.defaultSpeechModel)
        let speech = try SpeechModel.load(
            directory: folder,
            options: WhisperDecodingOptions(beamSize: beamSize, timestamps: timestamps, language: language),
            precision: precision.value())
        if let note = speech.whisper.precisionNote { printError("note: \(note)") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for file in files {
            let transcript = try speech.transcribe(URL(fileURLWithPath: file))
            if json {
                let record = TranscriptRecord(
                    file: file, text: transcript.text, tokens: transcript.tokens,
                    segments: timestamps ? transcript.segments : nil)
                print(String(decoding: try encoder.encode(record), as: UTF8.self))
            } else if timestamps {
                if files.count > 1 { print("\(file):") }
                for segment in transcript.segments {
                    print(String(format: "[%.2f → %.2f] ", segment.start, segment.end) + segment.text)
                }
            } else {
                print(files.count > 1 ? "\(file): \(transcript.text)" : transcript.text)
            }
        }
    }
}

/// One `--json` line.
private struct TranscriptRecord: Encodable {
    let file: String
    let text: String
    let tokens: [Int32]
    let segments: [Transcript.Segment]?
}
