import ArgumentParser
import Foundation
import Fuse
import FuseIndex

/// `fuse index DIR…`: embed every file a plugin claims into an SQLite index, incrementally.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index folders for search: embed every file a plugin claims into an SQLite database.",
        discussion: """
            Runs are incremental: files with the same size and modification time are skipped, renamed or moved files \
            are recognised by their contents (not re-embedded), deleted files are removed, and a different --model \
            re-embeds everything. Each batch is one transaction: a killed run loses at most its current batch, and \
            running the command again completes the index. `fuse search` may run at the same time. \
            Hidden files and folders (names starting with '.') are not indexed.
            """)

    @Argument(help: ArgumentHelp("Folders (or files) to index.", valueName: "DIR"))
    var folders: [String]

    @OptionGroup var model: ModelOption<DefaultModelHelp>

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The index database (default: .fuse-index.sqlite in the first folder).",
            valueName: "PATH"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Skip paths matching this glob (relative path, absolute path or file "
                + "name; repeatable).", valueName: "GLOB"))
    var exclude: [String] = []

    @Option(name: .long, help: ArgumentHelp("Files embedded and committed together.", valueName: "N"))
    var batchSize: Int = 32

    @Flag(name: .long, help: "Print the counts as JSON on stdout.")
    var json = false

    @OptionGroup var quiet: QuietFlag<QuietHelp>

    enum QuietHelp: OptionHelp { static let help = "No progress bar and no summary (failed files are still reported)." }

    func validate() throws {
        guard !folders.isEmpty else { throw ValidationError("give at least one folder to index") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    /// The database path: `--db`, else `.fuse-index.sqlite` in the first folder.
    static func databaseURL(_ db: String?, first folder: String) -> URL {
        if let db { return URL(fileURLWithPath: db) }
        return URL(fileURLWithPath: folder).appendingPathComponent(".fuse-index.sqlite")
    }

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var download: DownloadOption

    @OptionGroup var audioAs: AudioAsOption

    func run() async throws {
        let database = Self.databaseURL(db, first: folders[0])
        let modelFolder = try await model.directory(download: download, quiet: quiet.isSet)
        let runtime = try FuseRuntime(
            modelDirectory: modelFolder, precision: precision.value(),
            speech: try audioAs.speech(modelDirectory: modelFolder, quiet: quiet.isSet))
        self.precision.report(runtime)
        try runtime.loadRegisteredPlugins()
        // One writer per database: a second `fuse index` on it stops at once, naming the first.
        let lock = try OutputLock(output: database)
        defer { lock.release() }
        let index = try FuseIndex(writingTo: database, runtime: runtime)
        let progress = IndexProgress(enabled: !quiet.isSet)
        // The database and its companions never index themselves, wherever --db puts them.
        let own = [database.standardizedFileURL.path, database.standardizedFileURL.path + "-*"]
        let report = try await Indexer(runtime: runtime, index: index, batchSize: batchSize).run(
            FolderWalk(roots: folders.map { URL(fileURLWithPath: $0) }, excludes: exclude + own),
            progress: { done, total in progress.update(done, total: total) },
            failure: { failure in printError("skipped \(failure)") })
        progress.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else if !quiet.isSet {
            print(
                "indexed \(database.path): \(report.added) added, \(report.updated) updated, \(report.moved) moved, "
                    + "\(report.removed) removed, \(report.unchanged) unchanged, \(report.failed) failed, "
                    + "\(report.skipped) not claimed; \(report.total) files in the index")
        }
    }
}

/// The progress bar of an indexing run, created once the number of files to embed is known.
final class IndexProgress: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var bar: ProgressBar?

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ done: Int, total: Int) {
        lock.withLock {
            if bar == nil { bar = ProgressBar(total: total, label: "indexing", enabled: enabled) }
            bar?.update(done)
        }
    }

    func finish() { lock.withLock { bar?.finish() } }
}
