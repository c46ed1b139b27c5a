/// Levenshtein distance over Unicode scalars — what FuseLLM's `editdistance.eval` computes on Python strings.
///
/// Both functions reuse a caller-owned row buffer so the hot alignment loops allocate nothing per pair.
enum EditDistance {
    /// The exact distance between `a` and `b`. `row` must hold at least `b.count + 1` elements.
    @inline(__always)
    static func distance(
        _ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>,
        row: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        if a.count == 0 { return Int32(b.count) }
        if b.count == 0 { return Int32(a.count) }
        for j in 0...b.count { row[j] = Int32(j) }
        for i in 0..<a.count {
            var diagonal = row[0]
            row[0] = Int32(i + 1)
            let ca = a[i]
            for j in 0..<b.count {
                let above = row[j + 1]
                let substitution = diagonal + (ca == b[j] ? 0 : 1)
                row[j + 1] = min(min(above + 1, row[j] + 1), substitution)
                diagonal = above
            }
        }
        return row[b.count]
    }

    /// The distance if it is at most `bound`, else any value above `bound` (stops once a whole row exceeds it).
    @inline(__always)
    static func boundedDistance(
        _ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>, bound: Int32,
        row: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        if abs(a.count - b.count) > Int(bound) { return bound + 1 }
        if a.count == 0 { return Int32(b.count) }
        if b.count == 0 { return Int32(a.count) }
        for j in 0...b.count { row[j] = Int32(j) }
        for i in 0..<a.count {
            var diagonal = row[0]
            row[0] = Int32(i + 1)
            var rowMin = row[0]
            let ca = a[i]
            for j in 0..<b.count {
                let above = row[j + 1]
                let substitution = diagonal + (ca == b[j] ? 0 : 1)
                let value = min(min(above + 1, row[j] + 1), substitution)
                row[j + 1] = value
                rowMin = min(rowMin, value)
                diagonal = above
            }
            if rowMin > bound { return bound + 1 }
        }
        return row[b.count]
    }
}

/// Strings as flat arrays of Unicode scalars with offsets, so distance loops read contiguous memory.
struct ScalarTable: Sendable {
    let scalars: [UInt32]
    let offsets: [Int]

    init<S: Sequence>(_ strings: S) where S.Element == String {
        var scalars: [UInt32] = []
        var offsets: [Int] = [0]
        for string in strings {
            for scalar in string.unicodeScalars { scalars.append(scalar.value) }
            offsets.append(scalars.count)
        }
        self.scalars = scalars
        self.offsets = offsets
    }

    var count: Int { offsets.count - 1 }
    func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }
}
