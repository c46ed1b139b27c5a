import ArgumentParser
import Foundation
import Fuse
import FuseNER
import TextBPE

/// `fuse ner`: zero-shot named-entity recognition with a GLiNER model — entities of any labels in texts.
struct NERCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "Find entities of any labels in texts with a GLiNER model (zero-shot NER).",
        discussion: """
            Inputs are the TEXT arguments (one text each), else --file (the whole file is one text), else --input
            (JSON lines, each {"text": …} with an optional "id" echoed back). Texts longer than the model's max_len
            words are read in overlapping windows (--window-overlap) and their entities merged; offsets are always
            in the original text, counted in Unicode scalars (as gliner's Python string indices), end exclusive.
            Output: per text, one line per entity (start, end, label, score, text, tab-separated), a blank line
            between texts; with --json one JSON object per text: {"index", "id"?, "entities": [{"text", "label",
            "score", "start", "end"}]}. The model folder is a converted GLiNER checkpoint
            (tools/convert_gliner.py; docs/NER.md). --precision applies to the backbone's transformer blocks; the
            span and label heads and the LSTM stay fp32.
            """)

    @OptionGroup var model: ModelOption<NERModelHelp>
    @OptionGroup var precision: PrecisionOption

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Entity labels, comma-separated (\"person,organization,date\").", valueName: "LIST"))
    var labels: String

    @Option(name: .long, help: "Report spans scoring above this (0…1).")
    var threshold: Float = 0.5

    @Flag(help: "Flat: entities never overlap (default). Nested: one may lie inside another.")
    var layout: Layout = .flat

    @Flag(name: .long, help: "Let one span carry several labels.")
    var multiLabel = false

    @Flag(name: .long, help: "Print one JSON object per text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Read one text: this whole UTF-8 file.", valueName: "FILE"))
    var file: String?

    @Option(
        name: .long, help: ArgumentHelp("Read texts from JSON lines: {\"text\": …, \"id\": …}.", valueName: "FILE"))
    var input: String?

    @Option(
        name: .long, help: "Words shared by consecutive windows of a long text (default: max(max_width, max_len/8)).")
    var windowOverlap: Int?

    @Option(name: .long, help: "Windows per backbone call.")
    var batchSize = 8

    @Argument(help: "Texts to read.")
    var texts: [String] = []

    enum Layout: String, EnumerableFlag {
        case flat, nested
    }

    func validate() throws {
        if model.model == nil { throw ValidationError("pass --model DIR (a converted GLiNER folder)") }
        let sources = [!texts.isEmpty, file != nil, input != nil].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("give TEXT arguments, --file or --input (one of them)") }
        guard threshold >= 0, threshold < 1 else { throw ValidationError("--threshold must be in [0, 1)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let windowOverlap, windowOverlap < 0 { throw ValidationError("--window-overlap must be 0 or more") }
    }

    func run() throws {
        let ner = try NERModel.load(directory: try model.directory(), precision: try precision.value())
        precision.report(note: ner.precisionNote)
        let inputs = try readInputs()
        let options = ExtractionOptions(
            threshold: threshold, flat: layout == .flat, multiLabel: multiLabel, windowOverlap: windowOverlap,
            batchSize: batchSize)
        // A blank --labels is "no labels", not one empty label.
        let labelList =
            labels.trimmingCharacters(in: .whitespaces).isEmpty
            ? []
            : labels.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        let results = try ner.extract(inputs.map(\.text), labels: labelList, options: options)
        var output = ""
        for (index, (item, entities)) in zip(inputs, results).enumerated() {
            if json {
                var object: [String: Any] = [
                    "index": index,
                    "entities": entities.map {
                        [
                            "text": $0.text, "label": $0.label, "score": Double($0.score), "start": $0.start,
                            "end": $0.end,
                        ]
                    },
                ]
                if let id = item.id { object["id"] = id }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                output += String(decoding: data, as: UTF8.self) + "\n"
            } else {
                if index > 0 { output += "\n" }
                for entity in entities {
                    let score = String(format: "%.4f", entity.score)
                    let text = entity.text.replacingOccurrences(of: "\n", with: " ")
                    output += "\(entity.start)\t\(entity.end)\t\(entity.label)\t\(score)\t\(text)\n"
                }
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// The texts to read, with the ids of --input lines.
    private func readInputs() throws -> [(text: String, id: Any?)] {
        if !texts.isEmpty { return texts.map { ($0, nil) } }
        let reader = TextFileReader()
        if let file { return [(try reader.read(contentsOf: URL(fileURLWithPath: file)), nil)] }
        let path = input!
        let content = try reader.read(contentsOf: URL(fileURLWithPath: path))
        var items: [(text: String, id: Any?)] = []
        for (number, line) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let record = object as? [String: Any], let text = record["text"] as? String else {
                throw NERInputError(
                    message: "\(path) line \(number + 1): expected a JSON object with a string field \"text\"")
            }
            items.append((text, record["id"]))
        }
        guard !items.isEmpty else { throw NERInputError(message: "\(path): no JSON lines to read") }
        return items
    }
}

/// The help of `--model` for `fuse ner`.
enum NERModelHelp: OptionHelp {
    static let help = "A GLiNER folder converted by tools/convert_gliner.py, or org/name[@revision] from the cache."
}

/// An --input line that is not a JSON object with a "text" string.
struct NERInputError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
