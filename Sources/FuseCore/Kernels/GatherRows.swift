extension Kernels {
    /// Copies row `ids[i]` of the row-major `tableRows × columns` matrix `table` to row `i` of `output`: an
    /// embedding lookup. Throws `FuseError.invalidArgument` naming the first id outside `0..<tableRows` (a tokenizer
    /// and model that disagree on the vocabulary), before writing anything.
    public static func gatherRows(
        table: UnsafePointer<Float>, tableRows: Int, columns: Int, ids: UnsafeBufferPointer<Int32>,
        output: UnsafeMutablePointer<Float>
    ) throws {
        for (position, id) in ids.enumerated() where id < 0 || Int(id) >= tableRows {
            throw FuseError.invalidArgument(
                what: "embedding lookup",
                reason: "id \(id) at position \(position) is outside the table's \(tableRows) rows")
        }
        for (position, id) in ids.enumerated() {
            (output + position * columns).update(from: table + Int(id) * columns, count: columns)
        }
    }
}
