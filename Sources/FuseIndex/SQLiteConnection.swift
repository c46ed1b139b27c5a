import CSQLite
import Foundation

/// One SQLite connection to an index file, with errors that name the file. Not thread-safe by itself: `FuseIndex`
/// serialises every use behind its lock.
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?

    /// Opens `path` read-only, or read-write (creating it when `create`).
    init(path: String, readOnly: Bool, create: Bool) throws {
        self.path = path
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            handle = nil
            throw IndexError.sqlite(path: path, operation: "open the database", code: code, message: message)
        }
        // A writer holds its write lock for one batch; readers in WAL mode never wait for it. Five seconds covers a
        // checkpoint or a second writer's batch.
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs SQL without results (several statements allowed).
    func execute(_ sql: String, operation: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        let message = error.map { String(cString: $0) }
        sqlite3_free(error)
        if code != SQLITE_OK { throw failure(code, operation: operation, message: message) }
    }

    /// A prepared statement.
    func prepare(_ sql: String, operation: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw failure(code, operation: operation)
        }
        return SQLiteStatement(statement, connection: self, operation: operation)
    }

    /// Runs `body` in one transaction (`BEGIN IMMEDIATE`: the write lock is taken at once, so the batch either
    /// commits whole or, on an error or a killed process, not at all).
    func transaction<R>(_ operation: String, _ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE", operation: operation)
        do {
            let result = try body()
            try execute("COMMIT", operation: operation)
            return result
        } catch {
            try? execute("ROLLBACK", operation: operation)
            throw error
        }
    }

    /// The error for an SQLite result code: "not a database" and corruption become their own cases.
    func failure(_ code: Int32, operation: String, message: String? = nil) -> IndexError {
        let text =
            message ?? handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        switch code & 0xff {
        case SQLITE_NOTADB: return .notADatabase(path: path, reason: text)
        case SQLITE_CORRUPT: return .corrupt(path: path, reason: "\(text) (while trying to \(operation))")
        default: return .sqlite(path: path, operation: operation, code: code, message: text)
        }
    }
}
