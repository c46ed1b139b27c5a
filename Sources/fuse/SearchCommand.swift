import ArgumentParser
import Foundation
import Fuse
import FuseIndex

/// `fuse search QUERY…`: the files of an index most similar to texts and files, with rclip-style arithmetic.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index made by `fuse index` with texts and files (+ and - combine them).",
        discussion: """
            Each QUERY word is a text, or a path to a file (embedded through its plugin). Terms combine rclip-style: \
            fuse search "dog" + ./pool.jpg - "grass" sums the unit vectors (subtracting "grass") and renormalises. \
            Adjacent terms without an operator are added. Prints rank, score, modality and path, best first.
            """)

    @Argument(help: ArgumentHelp("Texts, file paths, and + or - between them.", valueName: "QUERY"))
    var query: [String]

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The index database (default: .fuse-index.sqlite in the working "
                + "directory).", valueName: "PATH"))
    var db: String = ".fuse-index.sqlite"

    @OptionGroup var model: ModelOption<ModelHelp>

    @Option(name: .long, help: ArgumentHelp("How many results.", valueName: "K"))
    var top: Int = 10

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only results of this modality (image, audio, text, or a plugin's).",
            valueName: "NAME"))
    var modality: String?

    @Flag(name: .long, help: "Score against int8 copies of the vectors (4× less memory, near-identical ranks).")
    var int8 = false

    @Flag(name: .long, help: "Print [{path, modality, score}] as JSON.")
    var json = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write an HTML page of the results (images and audio inline).",
            valueName: "OUT.html"))
    var html: String?

    @OptionGroup var force: ForceFlag<ForceHelp>

    enum ModelHelp: OptionHelp { static let help = "The model folder (default: the one the index was built with)." }
    enum ForceHelp: OptionHelp { static let help = "Replace an existing --html file." }

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var download: DownloadOption

    @OptionGroup var audioAs: AudioAsOption

    func run() async throws {
        let parsed = try SearchQuery(arguments: query)
        if let html { try OutputFile.checkWritable(URL(fileURLWithPath: html), overwrite: force.isSet) }
        let database = URL(fileURLWithPath: db)
        let index = try FuseIndex(readingFrom: database, precision: int8 ? .int8 : .float32)
        // No --model: the index's own model when it is still there, else the default model.
        let modelFolder =
            model.model == nil && !index.modelPath.isEmpty
                && FileManager.default.fileExists(atPath: index.modelPath)
            ? URL(fileURLWithPath: index.modelPath) : try await model.directory(download: download, quiet: false)
        let runtime = try FuseRuntime(
            modelDirectory: modelFolder, precision: precision.value(),
            speech: try audioAs.speech(modelDirectory: modelFolder))
        self.precision.report(runtime)
        try runtime.loadRegisteredPlugins()
        let hits = try await index.search(parsed, runtime: runtime, k: top, modality: modality.map { Modality($0) })
        if json {
            let objects = hits.map {
                ["path": $0.path, "modality": $0.modality.name, "score": Double($0.score)] as [String: Any]
            }
            let data = try JSONSerialization.data(
                withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (rank, hit) in hits.enumerated() {
                print("\(rank + 1)\t\(String(format: "%.4f", hit.score))\t\(hit.modality)\t\(hit.path)")
            }
        }
        if let html {
            try ResultsPage.write(
                query: query.joined(separator: " "), hits: hits, to: URL(fileURLWithPath: html),
                overwrite: force.isSet)
        }
    }
}
