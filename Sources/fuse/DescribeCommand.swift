import ArgumentParser
import Foundation
import Fuse
import FuseLENS

/// `fuse describe`: LENS-style descriptors of images (and audio, when the model has an audio tower) — tags and
/// attributes scored in the model's shared space, optional retrieved captions, and LENS's prompt.
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Describe images (or audio) as tags, attributes and captions in text, with LENS's prompt.",
        discussion: """
            Every vocabulary entry is embedded once per model and template and cached as safetensors under
            $FUSE_CACHE_DIR/lens (default ~/.cache/fuse/lens); later runs only embed the inputs and score them.
            Captions are retrieved from a caption bank (--captions FILE, one sentence per line) by cosine in the
            shared space; without one the prompt has no Captions section. Fuse has no generative captioner.
            """)

    @Argument(help: ArgumentHelp("Images (or audio files) to describe.", valueName: "FILE"))
    var inputs: [String]

    @OptionGroup var model: ModelOption<DefaultModelHelp>

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Tag vocabulary, one entry per line (default: the bundled WordNet nouns).",
            valueName: "FILE"))
    var tags: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Attribute vocabulary, one entry or phrase per line (default: the bundled "
                + "WordNet adjectives).", valueName: "FILE"))
    var attributes: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Caption bank to retrieve captions from, one caption per line.",
            valueName: "FILE"))
    var captions: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("Keep at most K tags and K attributes.", valueName: "K"))
    var topK = 5

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("Keep only entries whose cosine score is at least T.", valueName: "T"))
    var threshold: Float = 0.2

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("How many captions to retrieve per input.", valueName: "N"))
    var captionCount = 5

    @Option(name: .long, help: ArgumentHelp("The question put at the end of the prompt.", valueName: "Q"))
    var question = ""

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Template tag entries are embedded with, for images ({} is the entry).",
            valueName: "TEXT"))
    var tagTemplate: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Template attribute entries are embedded with, for images.",
            valueName: "TEXT"))
    var attributeTemplate: String?

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var download: DownloadOption

    @Flag(name: .long, help: "Print the descriptions as JSON (one object per input) instead of text.")
    var json = false

    @Flag(name: .long, help: "Put each sound's Whisper transcript first among its captions (in LENS's prompt).")
    var transcribe = false

    @Option(
        name: .customLong("speech-model"),
        help: ArgumentHelp(
            "With --transcribe: the Whisper folder (default: \(JobArguments.defaultSpeechModel)).", valueName: "DIR"))
    var speechModel: String?

    @OptionGroup var quiet: QuietFlag<QuietHelp>

    enum QuietHelp: OptionHelp { static let help = "No progress or notes on stderr." }

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one image or audio file") }
        guard topK > 0 else { throw ValidationError("--top-k must be at least 1") }
        guard threshold.isFinite, abs(threshold) <= 1 else { throw ValidationError("--threshold must lie in [-1, 1]") }
        guard captionCount > 0 else { throw ValidationError("--caption-count must be at least 1") }
        if speechModel != nil && !transcribe { throw ValidationError("--speech-model applies to --transcribe") }
    }

    func run() async throws {
        let runtime = try FuseRuntime(
            modelDirectory: try await model.directory(download: download, quiet: quiet.isSet),
            precision: precision.value())
        precision.report(runtime)
        let urls = inputs.map { URL(fileURLWithPath: $0) }
        let modalities = Array(Set(try urls.map { try runtime.modality(of: $0) }))
        let tagVocabulary =
            try tags.map { try DescriptorVocabulary(contentsOf: URL(fileURLWithPath: $0)) }
            ?? DescriptorVocabulary.defaultTags()
        let attributeVocabulary =
            try attributes.map { try DescriptorVocabulary(contentsOf: URL(fileURLWithPath: $0)) }
            ?? DescriptorVocabulary.defaultAttributes()
        let bank = try captions.map { try DescriptorVocabulary(contentsOf: URL(fileURLWithPath: $0)) }
        for vocabulary in [tagVocabulary, attributeVocabulary] + (bank.map { [$0] } ?? [])
        where !vocabulary.duplicates.isEmpty && !quiet.isSet {
            let shown = vocabulary.duplicates.prefix(5).joined(separator: ", ")
            printError(
                "note: \(vocabulary.name): \(vocabulary.duplicates.count) repeated entries kept once (\(shown)"
                    + (vocabulary.duplicates.count > 5 ? ", …)" : ")"))
        }

        var options = Describer.Options()
        options.topK = topK
        options.threshold = threshold
        options.captionCount = captionCount
        if tagTemplate != nil || attributeTemplate != nil {
            let image = options.templates(for: .image)
            options.templates[.image] = .init(
                tag: tagTemplate ?? image.tag, attribute: attributeTemplate ?? image.attribute)
        }
        let events = CacheEvents(quiet: quiet.isSet)
        var captioner: (any Captioner)?
        if let bank {
            captioner = try await RetrievalCaptioner.prepare(bank: bank, embedder: runtime, onEvent: events.handle)
        }
        if transcribe {
            let speech = try SpeechModel.load(
                directory: AudioAsOption.speechFolder(speechModel), precision: precision.value())
            if let note = speech.whisper.precisionNote { printError("note: \(note)") }
            captioner = TranscriptCaptioner(speech: speech, fallback: captioner)
        }
        let describer = try await Describer.prepare(
            embedder: runtime, tags: tagVocabulary, attributes: attributeVocabulary, captioner: captioner,
            options: options, modalities: modalities, onEvent: events.handle)
        events.finish()
        let descriptions = try await describer.describe(urls, question: question)

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(descriptions))
            FileHandle.standardOutput.write(Data("\n".utf8))
            return
        }
        for (index, description) in descriptions.enumerated() {
            if index > 0 { print("") }
            print(Self.text(description))
        }
    }

    /// The human-readable block for one description: scored lists, then the prompt.
    static func text(_ description: ImageDescription) -> String {
        func list(_ items: [ScoredDescriptor]) -> String {
            items.isEmpty
                ? "  (none above the threshold)"
                : items.map { String(format: "  %.4f  ", $0.score) + $0.text }.joined(separator: "\n")
        }
        var lines = [
            "== \(description.source) (\(description.modality))", "tags:", list(description.tags),
            "attributes:", list(description.attributes),
        ]
        if let captions = description.captions {
            lines += ["captions (retrieved):"] + captions.map { "  " + $0 }
        }
        lines += ["prompt:", description.prompt]
        return lines.joined(separator: "\n")
    }
}

/// Shows the vocabulary cache's work on stderr: what is being built, a progress bar, and rebuilt corrupt files.
final class CacheEvents: @unchecked Sendable {
    private let quiet: Bool
    private let lock = NSLock()
    private var bar: ProgressBar?

    init(quiet: Bool) { self.quiet = quiet }

    func handle(_ event: VocabularyCache.Event) {
        guard !quiet else { return }
        lock.withLock {
            switch event {
            case .building(let vocabulary, let entries):
                bar?.finish()
                printError("embedding \(entries) entries of \(vocabulary) (cached for next time)")
                bar = ProgressBar(total: entries, label: vocabulary, enabled: true)
            case .progress(let done, _):
                bar?.update(done)
            case .rebuiltCorrupt(let path, let reason):
                printError("note: rebuilding the vocabulary cache \(path): \(reason)")
            }
        }
    }

    func finish() {
        lock.withLock { bar?.finish() }
    }
}
