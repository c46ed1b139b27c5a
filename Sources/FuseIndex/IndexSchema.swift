import Foundation

/// The index's tables and the checks that tell a Fuse index from any other SQLite file.
///
/// `fuse_index_meta` holds `format` (always `fuse-index`), `version`, `model` (the fingerprint of the model whose
/// vectors the index holds now), `model_path` (where that model was loaded from, for `fuse search` without
/// `--model`) and `dimension`. `items` holds one row per file; rows of an earlier model stay until re-embedded.
enum IndexSchema {
    static let format = "fuse-index"
    static let version = 1

    static let create = """
        CREATE TABLE fuse_index_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE items(
            path TEXT PRIMARY KEY NOT NULL,
            modality TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime INTEGER NOT NULL,
            hash TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL);
        CREATE INDEX items_hash ON items(hash);
        """

    /// What a database file holds.
    enum Contents { case empty, fuseIndex }

    /// Classifies the open database: no tables at all (a new or zero-length file), or a Fuse index whose format and
    /// version this code reads. Anything else throws.
    static func inspect(_ connection: SQLiteConnection) throws -> Contents {
        let tables = try connection.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'",
            operation: "list the tables")
        var names: Set<String> = []
        while try tables.step() { if let name = tables.text(0) { names.insert(name) } }
        if names.isEmpty { return .empty }
        guard names.contains("fuse_index_meta"), names.contains("items") else {
            throw IndexError.foreignDatabase(
                path: connection.path,
                reason: "tables \(names.sorted().joined(separator: ", "))")
        }
        let meta = try read(connection)
        guard meta["format"] == format else {
            throw IndexError.foreignDatabase(
                path: connection.path,
                reason: "format \(meta["format"].map { "'\($0)'" } ?? "missing")")
        }
        guard let text = meta["version"], let found = Int(text) else {
            throw IndexError.corrupt(path: connection.path, reason: "no format version")
        }
        guard found == version else {
            throw IndexError.unsupportedVersion(path: connection.path, found: found, supported: version)
        }
        return .fuseIndex
    }

    /// The metadata table as a dictionary.
    static func read(_ connection: SQLiteConnection) throws -> [String: String] {
        let statement = try connection.prepare("SELECT key, value FROM fuse_index_meta", operation: "read the metadata")
        var meta: [String: String] = [:]
        while try statement.step() {
            if let key = statement.text(0), let value = statement.text(1) { meta[key] = value }
        }
        return meta
    }

    /// Sets metadata keys (inside the caller's transaction).
    static func write(_ values: [String: String], to connection: SQLiteConnection) throws {
        let statement = try connection.prepare(
            "INSERT OR REPLACE INTO fuse_index_meta(key, value) VALUES (?, ?)",
            operation: "write the metadata")
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { try statement.run([.text(key), .text(value)]) }
    }
}
