/// The rows of an embedding table that have received a gradient so far: a word-embedding row gets one only when its
/// token occurs in a batch, so after a few steps of SetFit nearly all of the 30 000 rows have never had one. Such a
/// row's gradient and AdamW moments are exactly zero, so the optimiser's update of it is the weight decay alone and
/// the gradient norm can skip it.
struct TouchedRows: Sendable {
    /// Per row: whether it has ever received a gradient.
    private(set) var flags: [Bool]
    /// The touched rows, in the order they were first touched.
    private(set) var list: [Int] = []

    init(rows: Int) { flags = [Bool](repeating: false, count: rows) }

    mutating func insert(_ row: Int) {
        if !flags[row] {
            flags[row] = true
            list.append(row)
        }
    }
}
