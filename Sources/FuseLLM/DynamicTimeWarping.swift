/// FuseLLM's token-sequence alignment: dynamic time warping over edit-distance costs.
///
/// FuseLLM (`src/utils/others.py`, `dtw`) fills an (n+1)×(m+1) matrix with `cost + min(up, left, diagonal)`,
/// then walks back from the last cell, preferring diagonal, then up, then left on ties (`np.argmin`). Here
/// series 1 is the source ("blending") sequence and series 2 the base sequence, as in FuseLLM; the result is, for
/// every base token, the contiguous range of source tokens the path pairs with it.
public enum DynamicTimeWarping {
    /// Aligns `source` to `base` given their marker-stripped tokens as scalar tables.
    /// Returns, per base position, the source positions matched (`lower...upper`), or an empty array if either
    /// sequence is empty.
    static func align(source: ScalarTable, base: ScalarTable) -> [ClosedRange<Int>] {
        let n = source.count, m = base.count
        guard n > 0, m > 0 else { return [] }
        let width = m + 1
        let infinity = Int32.max
        var matrix = [Int32](repeating: 0, count: (n + 1) * width)
        let maxLength = max((0..<m).map { base.length($0) }.max() ?? 0, 1)
        var ranges = [ClosedRange<Int>](repeating: 0...0, count: m)
        matrix.withUnsafeMutableBufferPointer { cells in
            for j in 1...m { cells[j] = infinity }
            for i in 1...n { cells[i * width] = infinity }
            cells[0] = 0
            let row = UnsafeMutablePointer<Int32>.allocate(capacity: maxLength + 1)
            defer { row.deallocate() }
            source.scalars.withUnsafeBufferPointer { sourceScalars in
                base.scalars.withUnsafeBufferPointer { baseScalars in
                    for i in 0..<n {
                        let a = UnsafeBufferPointer(rebasing: sourceScalars[source.offsets[i]..<source.offsets[i + 1]])
                        let above = i * width, here = (i + 1) * width
                        for j in 0..<m {
                            let b = UnsafeBufferPointer(rebasing: baseScalars[base.offsets[j]..<base.offsets[j + 1]])
                            let cost = EditDistance.distance(a, b, row: row)
                            let best = min(min(cells[above + j + 1], cells[here + j]), cells[above + j])
                            cells[here + j + 1] = cost + best
                        }
                    }
                }
            }
            // Walk back over the inner matrix (FuseLLM's `matrix[1:, 1:]`), recording each base column's rows.
            var i = n - 1, j = m - 1
            var lower = i, upper = i
            func value(_ r: Int, _ c: Int) -> Int32 { cells[(r + 1) * width + c + 1] }
            while i > 0 || j > 0 {
                let diagonal = i > 0 && j > 0 ? value(i - 1, j - 1) : infinity
                let up = i > 0 ? value(i - 1, j) : infinity
                let left = j > 0 ? value(i, j - 1) : infinity
                lower = i
                if diagonal <= up && diagonal <= left {
                    ranges[j] = lower...upper
                    i -= 1; j -= 1
                    lower = i; upper = i
                } else if up <= left {
                    i -= 1
                    lower = i
                } else {
                    ranges[j] = lower...upper
                    j -= 1
                    lower = i; upper = i
                }
            }
            ranges[0] = 0...upper
        }
        return ranges
    }
}
