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
    ///
    /// Three passes — max, exp, scale — with the two reductions on 8-wide vectors: Swift keeps scalar float
    /// reductions in order (no reassociation), which would leave them unvectorised and latency-bound.
    static func softmaxRow(_ line: UnsafeMutablePointer<Float>, columns: Int) {
        let vectorEnd = columns & ~7
        var maxima = SIMD8<Float>(repeating: -.infinity)
        var column = 0
        while column < vectorEnd {
            let values = UnsafeRawPointer(line + column).loadUnaligned(as: SIMD8<Float>.self)
            maxima.replace(with: values, where: values .> maxima)
            column += 8
        }
        var maximum = maxima.max()
        while column < columns {
            maximum = max(maximum, line[column])
            column += 1
        }
        guard maximum > -Float.infinity else {
            line.update(repeating: 0, count: columns)
            return
        }
        for index in 0..<columns { line[index] = FastMath.exp(line[index] - maximum) }
        var sums = SIMD8<Float>(repeating: 0)
        column = 0
        while column < vectorEnd {
            sums += UnsafeRawPointer(line + column).loadUnaligned(as: SIMD8<Float>.self)
            column += 8
        }
        var sum = sums.sum()
        while column < columns {
            sum += line[column]
            column += 1
        }
        let inverse = 1 / sum
        for index in 0..<columns { line[index] *= inverse }
    }
}
