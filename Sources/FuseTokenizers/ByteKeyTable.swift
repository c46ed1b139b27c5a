/// An immutable map from byte strings (UTF-8 token text) to ids, looked up straight from a byte buffer so the hot
/// loops never build a `String`. Open addressing over one arena of key bytes.
struct ByteKeyTable: Sendable {
    private var arena: [UInt8] = []
    private var keyStart: [Int32] = []
    private var keyLength: [Int32] = []
    private var values: [Int32] = []
    /// Slot → entry index, or -1 when empty.
    private var slots: [Int32]
    private var mask: Int

    init(_ entries: some Sequence<(String, Int32)>, capacityHint: Int = 0) {
        var size = 16
        while size < capacityHint * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (key, value) in entries { insert(Array(key.utf8), value) }
    }

    var count: Int { values.count }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ word) &* 0x100000001b3
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { tail |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x9E3779B97F4A7C15
        return h ^ (h >> 32)
    }

    /// Inserts or replaces the value for `key`.
    mutating func insert(_ key: [UInt8], _ value: Int32) {
        if (values.count + 1) * 2 > slots.count { grow() }
        let found: Int? = key.withUnsafeBufferPointer { k in
            k.baseAddress.map { lookupEntry($0, k.count) } ?? lookupEntry(emptyPointer, 0)
        }
        if let entry = found { values[entry] = value; return }
        let entry = Int32(values.count)
        keyStart.append(Int32(arena.count))
        keyLength.append(Int32(key.count))
        arena.append(contentsOf: key)
        values.append(value)
        place(entry)
    }

    private mutating func place(_ entry: Int32) {
        let h = arena.withUnsafeBufferPointer { a in
            Self.hash((a.baseAddress ?? emptyPointer) + Int(keyStart[Int(entry)]), Int(keyLength[Int(entry)]))
        }
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = entry
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for entry in 0..<values.count { place(Int32(entry)) }
    }

    private func lookupEntry(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBufferPointer { a in
            slots.withUnsafeBufferPointer { s in
                while true {
                    let entry = Int(s[slot])
                    if entry < 0 { return nil }
                    if Int(keyLength[entry]) == n {
                        let start = (a.baseAddress ?? emptyPointer) + Int(keyStart[entry])
                        if n == 0 || memcmpEqual(start, p, n) { return entry }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The id of the token spelled by bytes `p[0..<n]`.
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32? {
        lookupEntry(p, n).map { values[$0] }
    }

    func lookup(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { k in lookup(k.baseAddress ?? emptyPointer, k.count) }
    }

    func lookup(_ key: String) -> Int32? { lookup(Array(key.utf8)) }
}

@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self)
            != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
        {
            return false
        }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// A valid pointer for empty keys (never dereferenced).
nonisolated(unsafe) let emptyPointer: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 8)
    p.initialize(repeating: 0, count: 8)
    return UnsafePointer(p)
}()

/// BPE merges: (left id, right id) → (rank, merged id), open addressing on a 64-bit key.
struct MergeTable: Sendable {
    private var keys: [UInt64]
    private var ranks: [Int32]
    private var results: [Int32]
    private var mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        ranks = [Int32](repeating: 0, count: size)
        results = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    private static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E3779B97F4A7C15) >> 20) & mask
    }

    /// Adds a merge; a repeated pair takes the later rank, as HF's merge map (built by `collect`) does.
    mutating func insert(_ a: Int32, _ b: Int32, rank: Int32, result: Int32) {
        let k = Self.key(a, b)
        var s = Self.slot(k, mask)
        while keys[s] != Self.empty {
            if keys[s] == k { ranks[s] = rank; results[s] = result; return }
            s = (s + 1) & mask
        }
        keys[s] = k
        ranks[s] = rank
        results[s] = result
        count += 1
    }

    /// The merge of `a` followed by `b`: its rank (lower merges first) and resulting id.
    @inline(__always)
    func lookup(_ a: Int32, _ b: Int32) -> (rank: Int32, result: Int32)? {
        let k = Self.key(a, b)
        var s = Self.slot(k, mask)
        return keys.withUnsafeBufferPointer { keyBuf in
            while true {
                let found = keyBuf[s]
                if found == k { return (ranks[s], results[s]) }
                if found == Self.empty { return nil }
                s = (s + 1) & mask
            }
        }
    }
}
