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

    @Option(name: .long, help: ArgumentHelp("The index database (default: .fuse-index.sqlite in the working "
                                            + "directory).", valueName: "PATH"))
    var db: String = ".fuse-index.sqlite"

    @Option(name: .long, help: ArgumentHelp("The model folder or org/name[@revision] (default: the one the index was built with).",
                                            valueName: "DIR"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("How many results.", valueName: "K"))
    var top: Int = 10

    @Option(name: .long, help: ArgumentHelp("Only results of this modality (image, audio, text, or a plugin's).",
                                            valueName: "NAME"))
    var modality: String?

    @Flag(name: .long, help: "Score against int8 copies of the vectors (4× less memory, near-identical ranks).")
    var int8 = false

    @Flag(name: .long, help: "Print [{path, modality, score}] as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Also write an HTML page of the results (images and audio inline).",
                                            valueName: "OUT.html"))
    var html: String?

    @Flag(name: .long, help: "Replace an existing --html file.")
    var force = false

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var download: DownloadOption

    func run() async throws {
        let parsed = try SearchQuery(arguments: query)
        if let html { try OutputFile.checkWritable(URL(fileURLWithPath: html), overwrite: force) }
        let database = URL(fileURLWithPath: db)
        let index: FuseIndex
        do {
            index = try FuseIndex(readingFrom: database, precision: int8 ? .int8 : .float32)
        } catch let error as IndexError {
            throw CLIError(error, fix: Self.fix(for: error, database: database))
        }
        let modelFolder: URL
        if let model {
            modelFolder = try await download.resolve(model)
        } else if !index.modelPath.isEmpty, FileManager.default.fileExists(atPath: index.modelPath) {
            modelFolder = URL(fileURLWithPath: index.modelPath)
        } else {
            modelFolder = try DescribeCommand.modelDirectory(nil)
        }
        let runtime = try FuseRuntime(modelDirectory: modelFolder, precision: precision.value())
        self.precision.report(runtime)
        try runtime.loadRegisteredPlugins()
        let hits: [SearchHit]
        do {
            hits = try await index.search(parsed, runtime: runtime, k: top, modality: modality.map { Modality($0) })
        } catch let error as IndexError {
            throw CLIError(error, fix: Self.fix(for: error, database: database))
        }
        if json {
            let objects = hits.map { ["path": $0.path, "modality": $0.modality.name, "score": Double($0.score)] as [String: Any] }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (rank, hit) in hits.enumerated() {
                print("\(rank + 1)\t\(String(format: "%.4f", hit.score))\t\(hit.modality)\t\(hit.path)")
            }
        }
        if let html {
            try ResultsPage.write(query: query.joined(separator: " "), hits: hits, to: URL(fileURLWithPath: html),
                                  overwrite: force)
        }
    }

    static func fix(for error: IndexError, database: URL) -> String {
        switch error {
        case .missing, .empty:
            return "build it with fuse index DIR --db \(database.path), or point --db at an existing index"
        case .modelMismatch:
            return "search with the model it was built with (--model), or re-index with fuse index DIR --model M "
                + "--db \(database.path)"
        case .notADatabase, .foreignDatabase, .unsupportedVersion:
            return "point --db at an index made by fuse index"
        case .corrupt:
            return "re-create it: delete \(database.path) (and its -wal and -shm files) and run fuse index again"
        default:
            return ""
        }
    }
}
