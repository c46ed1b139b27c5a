/// A per-thread cache from a word's bytes to its token ids, so frequent words skip BPE/WordPiece entirely.
/// Open addressing over flat arenas: a lookup allocates nothing. The table starts small (a one-sentence call
/// should not pay for a megabyte of zeroed slots), doubles while it is half full up to `maxCapacity`, and is
/// cleared when half full at that size.
final class WordCache {
    private var hashes: [UInt64]
    private var keyStart: [Int32]
    private var keyLength: [Int32]
    private var idStart: [Int32]
    private var idCount: [Int32]
    private var keys: [UInt8] = []
    private var ids: [Int32] = []
    private var mask: Int
    private var count = 0
    private let maxCapacity: Int
    /// Words longer than this are not cached (they rarely repeat).
    static let maxWordLength = 128

    /// - Parameters:
    ///   - initialCapacity: slots to start with (rounded up to a power of two).
    ///   - maxCapacity: the most slots the table grows to (rounded up to a power of two).
    init(initialCapacity: Int = 1 << 10, maxCapacity: Int = 1 << 17) {
        func powerOfTwo(atLeast n: Int) -> Int { var p = 2; while p < n { p <<= 1 }; return p }
        let capacity = powerOfTwo(atLeast: initialCapacity)
        self.maxCapacity = max(capacity, powerOfTwo(atLeast: maxCapacity))
        hashes = [UInt64](repeating: 0, count: capacity)
        keyStart = [Int32](repeating: 0, count: capacity)
        keyLength = [Int32](repeating: -1, count: capacity)
        idStart = [Int32](repeating: 0, count: capacity)
        idCount = [Int32](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// Slots in the table now (for tests).
    var capacity: Int { hashes.count }
    /// Words cached now (for tests).
    var wordCount: Int { count }

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
        if (count + 1) * 2 > hashes.count {
            if hashes.count < maxCapacity { grow() } else { clear() }
        }
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

    /// Doubles the table, re-placing every entry; the key and id arenas stay as they are.
    private func grow() {
        let capacity = hashes.count * 2
        var newHashes = [UInt64](repeating: 0, count: capacity)
        var newKeyStart = [Int32](repeating: 0, count: capacity)
        var newKeyLength = [Int32](repeating: -1, count: capacity)
        var newIDStart = [Int32](repeating: 0, count: capacity)
        var newIDCount = [Int32](repeating: 0, count: capacity)
        let newMask = capacity - 1
        for old in 0..<hashes.count where keyLength[old] >= 0 {
            var slot = Int(truncatingIfNeeded: hashes[old]) & newMask
            while newKeyLength[slot] >= 0 { slot = (slot + 1) & newMask }
            newHashes[slot] = hashes[old]
            newKeyStart[slot] = keyStart[old]
            newKeyLength[slot] = keyLength[old]
            newIDStart[slot] = idStart[old]
            newIDCount[slot] = idCount[old]
        }
        (hashes, keyStart, keyLength, idStart, idCount, mask) =
            (newHashes, newKeyStart, newKeyLength, newIDStart, newIDCount, newMask)
    }

    func clear() {
        for i in 0..<keyLength.count { keyLength[i] = -1 }
        keys.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        count = 0
    }
}
