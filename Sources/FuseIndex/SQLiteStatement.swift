import CSQLite
import Foundation

/// A prepared SQLite statement: bind, step, read columns. Reset before each reuse.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private let connection: SQLiteConnection
    private let operation: String

    init(_ statement: OpaquePointer, connection: SQLiteConnection, operation: String) {
        self.statement = statement
        self.connection = connection
        self.operation = operation
    }

    deinit { sqlite3_finalize(statement) }

    /// Binds `values` to parameters 1, 2, … after resetting the statement.
    func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case let .integer(number): code = sqlite3_bind_int64(statement, index, number)
            case let .text(string): code = sqlite3_bind_text(statement, index, string, -1, fuse_sqlite_transient())
            case let .floats(vector):
                code = vector.withUnsafeBytes {
                    sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), fuse_sqlite_transient())
                }
            }
            guard code == SQLITE_OK else { throw connection.failure(code, operation: operation) }
        }
    }

    /// Resets the statement for new bindings (the hot insert path binds each parameter itself).
    func reset() {
        sqlite3_reset(statement)
    }

    func bind(_ index: Int32, integer: Int64) throws {
        let code = sqlite3_bind_int64(statement, index, integer)
        guard code == SQLITE_OK else { throw connection.failure(code, operation: operation) }
    }

    func bind(_ index: Int32, text: String) throws {
        let code = text.utf8CString.withUnsafeBufferPointer {
            sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count - 1), fuse_sqlite_transient())
        }
        guard code == SQLITE_OK else { throw connection.failure(code, operation: operation) }
    }

    /// Binds bytes without copying them: they must stay valid until the statement is stepped and reset.
    func bind(_ index: Int32, borrowing bytes: UnsafeRawBufferPointer) throws {
        let code = sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), nil)
        guard code == SQLITE_OK else { throw connection.failure(code, operation: operation) }
    }

    /// Advances to the next row; false when done.
    func step() throws -> Bool {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.failure(code, operation: operation)
        }
    }

    /// Binds and runs a statement that returns no rows.
    func run(_ values: [SQLiteValue]) throws {
        try bind(values)
        while try step() {}
    }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    /// A text column; nil for NULL.
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: bytes)
    }

    /// The UTF-8 bytes of a text column (valid until the next step or reset); empty for NULL.
    func textBytes(_ column: Int32) -> UnsafeRawBufferPointer {
        guard let bytes = sqlite3_column_text(statement, column) else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// The raw bytes of a BLOB column (valid until the next step or reset), and the column's type.
    func blob(_ column: Int32) -> UnsafeRawBufferPointer {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let base = sqlite3_column_blob(statement, column) else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base, count: count)
    }

    /// True when the column holds a BLOB (not text, a number or NULL).
    func isBlob(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_BLOB }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case floats([Float])
}
