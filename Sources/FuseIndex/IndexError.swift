import Foundation

/// What went wrong with an index database, naming the file. The library says what is wrong; the CLI adds which of
/// its flags fixes it.
public enum IndexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not an SQLite database at all (or is damaged beyond SQLite's header check).
    case notADatabase(path: String, reason: String)
    /// An SQLite database that Fuse did not create (other tables, no Fuse metadata): never written to or trusted.
    case foreignDatabase(path: String, reason: String)
    /// A Fuse index whose contents contradict themselves (a vector of the wrong length, missing metadata).
    case corrupt(path: String, reason: String)
    /// A Fuse index written by a newer format version.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// The index holds another model's vectors than the one asked to use it.
    case modelMismatch(path: String, indexed: String, requested: String)
    /// The index holds no vector of its current model (nothing was indexed yet).
    case empty(path: String)
    /// A query vector of the wrong length for the index.
    case dimensionMismatch(path: String, indexed: Int, query: Int)
    /// SQLite refused an operation (I/O error, disk full, locked, read-only).
    case sqlite(path: String, operation: String, code: Int32, message: String)
    /// The database does not exist (search needs an index).
    case missing(path: String)
    /// A search query that cannot be parsed (a dangling operator, no terms).
    case invalidQuery(reason: String)

    public var description: String {
        switch self {
        case let .notADatabase(path, reason):
            return "\(path) is not a Fuse index (not an SQLite database: \(reason))"
        case let .foreignDatabase(path, reason):
            return "\(path) is an SQLite database that Fuse did not create (\(reason)); it is left untouched"
        case let .corrupt(path, reason):
            return "the index \(path) is damaged: \(reason)"
        case let .unsupportedVersion(path, found, supported):
            return "the index \(path) has format version \(found); this Fuse reads version \(supported)"
        case let .modelMismatch(path, indexed, requested):
            return "the index \(path) holds vectors of the model \(indexed), not of \(requested)"
        case let .empty(path):
            return "the index \(path) holds no vectors yet"
        case let .dimensionMismatch(path, indexed, query):
            return "the index \(path) holds \(indexed)-dimensional vectors; the query has \(query) dimensions"
        case let .sqlite(path, operation, code, message):
            return "SQLite failed to \(operation) in \(path): \(message) (code \(code))"
        case let .missing(path):
            return "there is no index at \(path)"
        case let .invalidQuery(reason):
            return "invalid search query: \(reason)"
        }
    }
}
