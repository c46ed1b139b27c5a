/// A per-thread cache from a word's bytes to its token ids, so frequent words skip BPE/WordPiece entirely.
/// Open addressing over flat arenas: a lookup allocates nothing. It is cleared when half full.
final class WordCache {
    private var hashes: [UInt64]
    private var keyStart: [Int32]
    private var keyLength: [Int32]
    private var idStart: [Int32]
    private var idCount: [Int32]
    private var keys: [UInt8] = []
    private var ids: [Int32] = []
    private let mask: Int
    private var count = 0
    /// Words longer than this are not cached (they rarely repeat).
    static let maxWordLength = 128

    init(capacity: Int = 1 << 17) {
        hashes = [UInt64](repeating: 0, count: capacity)
        keyStart = [Int32](repeating: 0, count: capacity)
        keyLength = [Int32](repeating: -1, count: capacity)
        idStart = [Int32](repeating: 0, count: capacity)
        idCount = [Int32](repeating: 0, count: capacity)
        mask = capacity - 1
        keys.reserveCapacity(capacity * 8)
        ids.reserveCapacity(capacity * 2)
    }

    /// Appends the cached ids of word `p[0..<n]` to `out`; false when the word is not cached.
    @inline(__always)
    func append(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64, to out: inout [Int32]) -> Bool {
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let len = keyLength[slot]
            if len < 0 { return false }
            if hashes[slot] == h && Int(len) == n {
                let equal = keys.withUnsafeBufferPointer { memcmpEqual($0.baseAddress! + Int(keyStart[slot]), p, n) }
                if equal {
                    let start = Int(idStart[slot]), c = Int(idCount[slot])
                    ids.withUnsafeBufferPointer { out.append(contentsOf: $0[start..<(start + c)]) }
                    return true
                }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Records the ids of word `p[0..<n]`.
    func insert(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64, ids wordIDs: ArraySlice<Int32>) {
        guard n <= Self.maxWordLength else { return }
        if (count + 1) * 2 > hashes.count { clear() }
        var slot = Int(truncatingIfNeeded: h) & mask
        while keyLength[slot] >= 0 { slot = (slot + 1) & mask }
        hashes[slot] = h
        keyStart[slot] = Int32(keys.count)
        keyLength[slot] = Int32(n)
        idStart[slot] = Int32(ids.count)
        idCount[slot] = Int32(wordIDs.count)
        keys.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        ids.append(contentsOf: wordIDs)
        count += 1
    }

    func clear() {
        for i in 0..<keyLength.count { keyLength[i] = -1 }
        keys.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        count = 0
    }
}
