import Foundation
import FuseCore

/// An embedded search index: file paths and their vectors in one model's space, kept in an SQLite database in WAL
/// mode (readers never wait for the writer), scored by brute force over int8 copies of all vectors held in memory
/// (exact float32 scores for the rows that can be the best).
///
/// Every write is one transaction, so a process killed at any point leaves the last committed state; the next run
/// of `Indexer` completes it. Usable without the CLI:
///
/// ```swift
/// let index = try FuseIndex(writingTo: URL(fileURLWithPath: "photos.sqlite"), modelID: "clip-1f2e", dimension: 512)
/// try index.add([IndexEntry(path: "/photos/a.jpg", modality: .image, file: facts, vector: vector)])
/// let hits = try index.search(vector: query, k: 10)
/// ```
///
/// One instance may be used from any task (calls are serialised); any number of processes may read while one writes.
public final class FuseIndex: @unchecked Sendable {
    /// The database file.
    public let url: URL
    /// The fingerprint of the model whose vectors the index holds (rows of an earlier model are ignored by search).
    public private(set) var modelID: String
    /// Where that model was loaded from when it was indexed (empty when unknown).
    public private(set) var modelPath: String
    /// The vectors' length.
    public private(set) var dimension: Int
    /// How loaded vectors are held for scoring.
    public let precision: VectorPrecision

    /// The longest vector an index accepts (a larger recorded dimension is damage, not a model).
    public static let maximumDimension = 1 << 16

    private let connection: SQLiteConnection
    private let lock = NSLock()
    private var loaded: LoadedVectors?

    /// Opens (or creates) the index at `url` for writing vectors of `modelID` with `dimension` components. An index
    /// of another model is switched to this one: its old rows stay (ignored by search) until re-embedded or removed.
    ///
    /// - Throws: `IndexError.notADatabase`/`.foreignDatabase`/`.unsupportedVersion` for a file that is not a Fuse
    ///   index of this version (it is never modified), `.sqlite` when it cannot be opened for writing.
    public init(
        writingTo url: URL, modelID: String, modelPath: String = "", dimension: Int,
        precision: VectorPrecision = .float32
    ) throws {
        self.url = url
        self.precision = precision
        guard (1...Self.maximumDimension).contains(dimension) else {
            throw IndexError.dimensionMismatch(path: url.path, indexed: Self.maximumDimension, query: dimension)
        }
        let connection = try SQLiteConnection(path: url.path, readOnly: false, create: true)
        self.connection = connection
        let contents = try IndexSchema.inspect(connection)
        // 16 KiB pages hold several 1.5–3 KiB vectors each (4 KiB pages would spill most rows to overflow pages); the
        // page size can only be chosen before the first table exists. A 64 MiB cache keeps the path and hash
        // B-trees in memory while a batch is inserted.
        if contents == .empty { try connection.execute("PRAGMA page_size = 16384", operation: "set the page size") }
        try connection.execute("PRAGMA cache_size = -65536", operation: "set the cache size")
        // WAL: readers see the last committed batch and never block the writer (nor it them); NORMAL sync is
        // durable across a killed process (only a power loss may drop the last batches, never corrupt the file).
        try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", operation: "enable WAL")
        let meta = [
            "format": IndexSchema.format, "version": String(IndexSchema.version), "model": modelID,
            "model_path": modelPath, "dimension": String(dimension),
        ]
        try connection.transaction("initialise the index") {
            if contents == .empty { try connection.execute(IndexSchema.create, operation: "create the tables") }
            try IndexSchema.write(meta, to: connection)
        }
        (self.modelID, self.modelPath, self.dimension) = (modelID, modelPath, dimension)
    }

    /// Opens an existing index for searching (read-only; a writer may be running).
    ///
    /// - Throws: `IndexError.missing` when there is no file, the errors of `init(writingTo:…)` for a file that is
    ///   not a Fuse index, `.corrupt` when its metadata is incomplete.
    public init(readingFrom url: URL, precision: VectorPrecision = .float32) throws {
        self.url = url
        self.precision = precision
        guard FileManager.default.fileExists(atPath: url.path) else { throw IndexError.missing(path: url.path) }
        connection = try SQLiteConnection(path: url.path, readOnly: true, create: false)
        guard try IndexSchema.inspect(connection) == .fuseIndex else {
            throw IndexError.foreignDatabase(path: url.path, reason: "an empty database with no Fuse tables")
        }
        let meta = try IndexSchema.read(connection)
        guard let model = meta["model"], let text = meta["dimension"], let dimension = Int(text) else {
            throw IndexError.corrupt(path: url.path, reason: "the metadata lacks the model or the dimension")
        }
        guard (1...Self.maximumDimension).contains(dimension) else {
            throw IndexError.corrupt(
                path: url.path, reason: "a vector dimension of \(dimension) (1…\(Self.maximumDimension))")
        }
        (modelID, modelPath, self.dimension) = (model, meta["model_path"] ?? "", dimension)
    }

    // MARK: Writing

    /// Adds or replaces entries (keyed by path) in one transaction, as vectors of the index's model.
    public func add(_ entries: [IndexEntry]) throws {
        try apply(IndexChanges(upserts: entries))
    }

    /// Removes the entries at `paths` (absent paths are ignored) in one transaction.
    public func remove(paths: [String]) throws {
        try apply(IndexChanges(removals: paths))
    }

    /// Applies `changes` in one transaction: removals, then moves, then refreshed file facts, then upserts. Either all
    /// of it is committed or (on an error, or a killed process) none of it.
    public func apply(_ changes: IndexChanges) throws {
        for entry in changes.upserts where entry.vector.count != dimension {
            throw IndexError.dimensionMismatch(path: url.path, indexed: dimension, query: entry.vector.count)
        }
        try lock.withLock {
            try connection.transaction("write a batch") {
                let delete = try connection.prepare("DELETE FROM items WHERE path = ?", operation: "remove entries")
                for path in changes.removals { try delete.run([.text(path)]) }
                let rename = try connection.prepare(
                    "UPDATE items SET path = ?, size = ?, mtime = ?, hash = ? WHERE path = ?", operation: "move entries"
                )
                for move in changes.moves {
                    try delete.run([.text(move.to)])
                    try rename.run([
                        .text(move.to), .integer(move.file.size), .integer(move.file.modificationTime),
                        .text(move.file.contentHash), .text(move.from),
                    ])
                }
                let refresh = try connection.prepare(
                    "UPDATE items SET size = ?, mtime = ?, hash = ? WHERE path = ?",
                    operation: "refresh file facts")
                for (path, file) in changes.refreshes {
                    try refresh.run([
                        .integer(file.size), .integer(file.modificationTime), .text(file.contentHash),
                        .text(path),
                    ])
                }
                let insert = try connection.prepare(
                    "INSERT OR REPLACE INTO items(path, modality, size, mtime, hash, model, vector) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)", operation: "add entries")
                // Bound parameter by parameter, the vector without a copy: this loop is the insertion throughput.
                try insert.bind(6, text: modelID)
                for entry in changes.upserts {
                    insert.reset()
                    try insert.bind(1, text: entry.path)
                    try insert.bind(2, text: entry.modality.name)
                    try insert.bind(3, integer: entry.file.size)
                    try insert.bind(4, integer: entry.file.modificationTime)
                    try insert.bind(5, text: entry.file.contentHash)
                    try entry.vector.withUnsafeBytes { bytes in
                        try insert.bind(7, borrowing: bytes)
                        while try insert.step() {}
                    }
                }
            }
            loaded = nil
        }
    }

    // MARK: Reading

    /// Every row without its vector, in path order.
    public func records() throws -> [IndexRecord] {
        try lock.withLock {
            let statement = try connection.prepare(
                "SELECT path, modality, size, mtime, hash, model FROM items ORDER BY path", operation: "list entries")
            var records: [IndexRecord] = []
            while try statement.step() {
                records.append(
                    IndexRecord(
                        path: statement.text(0) ?? "", modality: Modality(statement.text(1) ?? ""),
                        file: FileFacts(
                            size: statement.integer(2), modificationTime: statement.integer(3),
                            contentHash: statement.text(4) ?? ""),
                        modelID: statement.text(5) ?? ""))
            }
            return records
        }
    }

    /// The entry at `path` with its vector, if the index holds one of its current model.
    public func entry(path: String) throws -> IndexEntry? {
        try lock.withLock {
            let statement = try connection.prepare(
                "SELECT modality, size, mtime, hash, vector FROM items WHERE path = ? AND model = ?",
                operation: "read an entry")
            try statement.bind([.text(path), .text(modelID)])
            guard try statement.step() else { return nil }
            let blob = statement.blob(4)
            guard statement.isBlob(4), blob.count == dimension * 4 else {
                throw IndexError.corrupt(
                    path: url.path,
                    reason: "the vector of \(path) has \(blob.count) bytes, "
                        + "not \(dimension * 4) (\(dimension) float32s)")
            }
            return IndexEntry(
                path: path, modality: Modality(statement.text(0) ?? ""),
                file: FileFacts(
                    size: statement.integer(1), modificationTime: statement.integer(2),
                    contentHash: statement.text(3) ?? ""),
                vector: Array(blob.bindMemory(to: Float.self)))
        }
    }

    /// How many rows hold vectors of the current model, and how many of an earlier one.
    public func counts() throws -> (current: Int, stale: Int) {
        try lock.withLock {
            let statement = try connection.prepare(
                "SELECT model = ?, count(*) FROM items GROUP BY model = ?",
                operation: "count entries")
            try statement.bind([.text(modelID), .text(modelID)])
            var counts = (current: 0, stale: 0)
            while try statement.step() {
                if statement.integer(0) != 0 {
                    counts.current = Int(statement.integer(1))
                } else {
                    counts.stale = Int(statement.integer(1))
                }
            }
            return counts
        }
    }

    // MARK: Searching

    /// The `k` entries most similar to `vector` (cosine; `vector` should be unit length), best first, optionally of
    /// one modality. Vectors are loaded once (as int8 codes) and reloaded only after a write (by this or another
    /// connection). With `.float32` precision the scores are exact float32 dot products: the int8 scan bounds which
    /// rows can be among the best, and only those are read back and scored in float32 (`VectorMatrix.candidates`).
    ///
    /// - Throws: `IndexError.dimensionMismatch` for a query of another length, `.corrupt` for a stored vector of the
    ///   wrong size.
    public func search(vector: [Float], k: Int, modality: Modality? = nil) throws -> [SearchHit] {
        guard vector.count == dimension else {
            throw IndexError.dimensionMismatch(path: url.path, indexed: dimension, query: vector.count)
        }
        return try lock.withLock {
            // One read transaction: the vectors loaded, and the float32 rows read back, are one snapshot even while
            // a writer commits.
            try connection.execute("BEGIN", operation: "start a read")
            defer { try? connection.execute("COMMIT", operation: "end a read") }
            var vectors = try currentVectors()
            // Held by one reference while scoring, so the score scratch is reused rather than copied.
            loaded = nil
            defer { loaded = vectors }
            let wanted = modality.flatMap { vectors.modalityCodes[$0] }
            if modality != nil && wanted == nil { return [] }
            let codes = vectors.modalities
            let include: (Int) -> Bool = { row in wanted.map { codes[row] == $0 } ?? true }
            let best: TopK
            switch precision {
            case .int8:
                best = vectors.matrix.top(k, query: vector, include: include)
            case .float32:
                let rows = vectors.matrix.candidates(k, query: vector, include: include)
                let scores = VectorMatrix.float32Scores(
                    try floatRows(rows.map { vectors.rowIDs[$0] }), query: vector,
                    dimension: dimension)
                var exact = TopK(k: min(k, rows.count))
                for (row, score) in zip(rows, scores) { exact.offer(score, row: row) }
                best = exact
            }
            return zip(best.rows, best.scores).map { row, score in
                SearchHit(path: vectors.paths[row], modality: vectors.modalityNames[Int(codes[row])], score: score)
            }
        }
    }

    /// The stored float32 vectors of `rowIDs`, concatenated in that order.
    private func floatRows(_ rowIDs: [Int64]) throws -> [Float] {
        var rows: [Float] = []
        rows.reserveCapacity(rowIDs.count * dimension)
        let statement = try connection.prepare("SELECT vector FROM items WHERE rowid = ?", operation: "read vectors")
        for rowID in rowIDs {
            statement.reset()
            try statement.bind(1, integer: rowID)
            guard try statement.step() else {
                throw IndexError.corrupt(path: url.path, reason: "row \(rowID) vanished while it was being read")
            }
            let blob = statement.blob(0)
            guard statement.isBlob(0), blob.count == dimension * 4 else {
                throw IndexError.corrupt(
                    path: url.path,
                    reason: "the vector of row \(rowID) has \(blob.count) bytes, "
                        + "not \(dimension * 4) (\(dimension) float32s)")
            }
            rows.append(contentsOf: blob.bindMemory(to: Float.self))
        }
        return rows
    }

    /// Loads every current-model vector once (and again when the database changed since).
    private func currentVectors() throws -> LoadedVectors {
        let version = try dataVersion()
        if let loaded, loaded.version == version { return loaded }
        loaded = nil
        let counter = try connection.prepare("SELECT count(*) FROM items WHERE model = ?", operation: "count vectors")
        try counter.bind([.text(modelID)])
        _ = try counter.step()
        let capacity = Int(counter.integer(0))
        var vectors = LoadedVectors(
            version: version,
            matrix: VectorMatrix(
                dimension: dimension, precision: precision,
                capacity: capacity))
        vectors.paths.reserve(capacity)
        vectors.modalities.reserveCapacity(capacity)
        vectors.rowIDs.reserveCapacity(capacity)
        let statement = try connection.prepare(
            "SELECT path, modality, vector, rowid FROM items WHERE model = ? ORDER BY rowid",
            operation: "load the vectors")
        try statement.bind([.text(modelID)])
        while try statement.step() {
            let blob = statement.blob(2)
            guard statement.isBlob(2), blob.count == dimension * 4 else {
                throw IndexError.corrupt(
                    path: url.path,
                    reason: "the vector of \(statement.text(0) ?? "?") has "
                        + "\(blob.count) bytes, not \(dimension * 4) (\(dimension) float32s)")
            }
            vectors.matrix.append(blob)
            vectors.rowIDs.append(statement.integer(3))
            vectors.paths.append(statement.textBytes(0))
            vectors.append(modality: Modality(statement.text(1) ?? ""))
        }
        loaded = vectors
        return vectors
    }

    /// SQLite's counter that changes whenever another connection commits.
    private func dataVersion() throws -> Int64 {
        let statement = try connection.prepare("PRAGMA data_version", operation: "read the data version")
        _ = try statement.step()
        return statement.integer(0)
    }
}

/// The vectors of the current model in memory, with their paths and modalities (as small codes).
struct LoadedVectors {
    let version: Int64
    var matrix: VectorMatrix
    var paths = PathTable()
    /// Each row's SQLite rowid (float32 search reads the candidates' vectors back by it).
    var rowIDs: [Int64] = []
    var modalities: [UInt16] = []
    var modalityNames: [Modality] = []
    var modalityCodes: [Modality: UInt16] = [:]

    init(version: Int64, matrix: VectorMatrix) {
        self.version = version
        self.matrix = matrix
    }

    mutating func append(modality: Modality) {
        if let code = modalityCodes[modality] {
            modalities.append(code)
        } else {
            let code = UInt16(truncatingIfNeeded: modalityNames.count)
            modalityCodes[modality] = code
            modalityNames.append(modality)
            modalities.append(code)
        }
    }
}
