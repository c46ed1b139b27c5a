import Foundation

extension Kernels {
    /// Softmax over each row of the row-major `rows × columns` matrix `x`, in place.
    ///
    /// Numerically stable (the row maximum is subtracted before `exp`). Entries equal to `-infinity` are masked:
    /// they become exactly 0. A row whose entries are all `-infinity` becomes all zeros rather than NaN, so a fully
    /// masked query (e.g. a padding position) contributes nothing downstream.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        parallelChunks(count: rows, grain: rowGrain(columns)) { rowRange in
            for row in rowRange { softmaxRow(x + row * columns, columns: columns) }
        }
    }

    /// Softmax of one row of `columns` elements, in place (see `softmaxRows`).
    static func softmaxRow(_ line: UnsafeMutablePointer<Float>, columns: Int) {
        var maximum = -Float.infinity
        for column in 0..<columns where line[column] > maximum { maximum = line[column] }
        guard maximum > -Float.infinity else {
            line.update(repeating: 0, count: columns)
            return
        }
        var sum: Float = 0
        for column in 0..<columns {
            let value = expf(line[column] - maximum)
            line[column] = value
            sum += value
        }
        let inverse = 1 / sum
        for column in 0..<columns { line[column] *= inverse }
    }
}
