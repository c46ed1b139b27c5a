/// A byte trie over the pieces of a Unigram vocabulary, for the common-prefix search of its Viterbi: every piece
/// that starts at a position, shortest first. Nodes are stored flat; a node's children are a sorted run of
/// (label, child) edges, so a step is a short scan with no hashing.
struct PieceTrie: Sendable {
    /// Per node: where its edges start in `labels`/`children`, and how many there are.
    let edgeStart: [Int32]
    let edgeCount: [UInt16]
    /// Per node: the id of the piece ending there, or -1.
    let pieceID: [Int32]
    let labels: [UInt8]
    let children: [Int32]

    /// Calls `found(length, id)` for each piece that is a prefix of `key[0..<n]`, shortest first.
    @inline(__always)
    func commonPrefixes(_ key: UnsafePointer<UInt8>, _ n: Int, _ found: (Int, Int32) -> Void) {
        labels.withUnsafeBufferPointer { labels in
            children.withUnsafeBufferPointer { children in
                var node = 0
                for i in 0..<n {
                    let byte = key[i]
                    let first = Int(edgeStart[node])
                    let last = first + Int(edgeCount[node])
                    var next = -1
                    var e = first
                    while e < last {
                        let label = labels[e]
                        if label == byte { next = Int(children[e]); break }
                        if label > byte { break }
                        e += 1
                    }
                    guard next >= 0 else { return }
                    node = next
                    if pieceID[node] >= 0 { found(i + 1, pieceID[node]) }
                }
            }
        }
    }
}

/// Collects pieces into a pointer-based trie, then flattens it into a `PieceTrie`.
struct PieceTrieBuilder {
    private var edges: [[UInt8: Int32]] = [[:]]
    private var ids: [Int32] = [-1]

    /// Adds a piece; a piece inserted twice keeps the later id (HF's `token_to_ids` keeps the last). The empty piece
    /// is never matched (HF's trie reports only prefixes of at least one byte).
    mutating func insert(_ piece: [UInt8], id: Int32) {
        guard !piece.isEmpty else { return }
        var node = 0
        for byte in piece {
            if let child = edges[node][byte] { node = Int(child); continue }
            edges.append([:]); ids.append(-1)
            edges[node][byte] = Int32(edges.count - 1)
            node = edges.count - 1
        }
        ids[node] = id
    }

    func build() -> PieceTrie {
        var edgeStart: [Int32] = []
        var edgeCount: [UInt16] = []
        var labels: [UInt8] = []
        var children: [Int32] = []
        edgeStart.reserveCapacity(edges.count)
        for node in edges {
            edgeStart.append(Int32(labels.count))
            edgeCount.append(UInt16(node.count))
            for (label, child) in node.sorted(by: { $0.key < $1.key }) { labels.append(label); children.append(child) }
        }
        return PieceTrie(edgeStart: edgeStart, edgeCount: edgeCount, pieceID: ids, labels: labels, children: children)
    }
}
