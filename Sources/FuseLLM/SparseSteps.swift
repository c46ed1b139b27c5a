/// Per-step sparse rows in compressed form: step `t` holds `ids[offsets[t]..<offsets[t+1]]` with their `values`
/// (logits or probabilities). Top-k outputs, aligned source steps and fused targets all use this shape.
public struct SparseSteps: Sendable, Equatable {
    public var offsets: [Int]
    public var ids: [Int32]
    public var values: [Float]

    public init() {
        offsets = [0]
        ids = []
        values = []
    }

    public init(offsets: [Int], ids: [Int32], values: [Float]) {
        self.offsets = offsets
        self.ids = ids
        self.values = values
    }

    /// Fixed-width rows (e.g. top-k with k entries per step).
    public init(rowWidth: Int, ids: [Int32], values: [Float]) {
        self.offsets = stride(from: 0, through: ids.count, by: max(rowWidth, 1)).map { $0 }
        if ids.isEmpty { self.offsets = [0] }
        self.ids = ids
        self.values = values
    }

    /// Number of steps.
    public var count: Int { offsets.count - 1 }

    /// The entries of step `t`.
    public func row(_ t: Int) -> (ids: ArraySlice<Int32>, values: ArraySlice<Float>) {
        (ids[offsets[t]..<offsets[t + 1]], values[offsets[t]..<offsets[t + 1]])
    }

    /// Appends one step.
    public mutating func append<I: Sequence, V: Sequence>(ids newIDs: I, values newValues: V)
    where I.Element == Int32, V.Element == Float {
        ids.append(contentsOf: newIDs)
        values.append(contentsOf: newValues)
        precondition(ids.count == values.count, "SparseSteps: ids and values must have equal counts")
        offsets.append(ids.count)
    }
}
