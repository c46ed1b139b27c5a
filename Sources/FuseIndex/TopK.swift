/// The `k` best (score, row) pairs seen so far, best first; ties keep the lower row. Fixed capacity, no allocation
/// per offer: a candidate below the current k-th score costs one comparison.
struct TopK {
    let k: Int
    private(set) var scores: [Float] = []
    private(set) var rows: [Int] = []

    init(k: Int) {
        self.k = max(0, k)
        scores.reserveCapacity(self.k + 1)
        rows.reserveCapacity(self.k + 1)
    }

    /// The score a candidate must beat once the list is full.
    var threshold: Float { scores.count < k ? -.infinity : scores[scores.count - 1] }

    mutating func offer(_ score: Float, row: Int) {
        guard k > 0, scores.count < k || score > scores[scores.count - 1] else { return }
        var position = scores.count
        while position > 0, scores[position - 1] < score || (scores[position - 1] == score && rows[position - 1] > row)
        {
            position -= 1
        }
        scores.insert(score, at: position)
        rows.insert(row, at: position)
        if scores.count > k {
            scores.removeLast()
            rows.removeLast()
        }
    }

    /// Takes an already sorted list (best first, at most `k`).
    mutating func assign(_ sorted: ArraySlice<(Float, Int)>) {
        precondition(sorted.count <= k)
        scores = sorted.map(\.0)
        rows = sorted.map(\.1)
    }

}
