/// HF tokenizers' BPE model: initial symbols per character (or per byte for byte-level vocabularies), then
/// merges applied lowest rank first, leftmost first among equal ranks — HF's priority-queue order.
struct BPEModel: Sendable {
    let vocab: ByteKeyTable
    let merges: MergeTable
    let unkID: Int32?
    let continuingSubwordPrefix: [UInt8]
    let endOfWordSuffix: [UInt8]
    let fuseUnk: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    /// Whether words arrive as raw bytes that stand for GPT-2 byte-level characters.
    let byteLevel: Bool
    /// Byte-level fast path: id of the character for each byte, without / with the end-of-word suffix (-1: none).
    private let byteIDs: [Int32]
    private let byteIDsLast: [Int32]
    /// `<0xXX>` ids for byte fallback (-1 where the vocabulary lacks one).
    private let fallbackIDs: [Int32]
    /// Every byte (and every byte with the suffix) has a token and there is no prefix: plain table lookups.
    private let fastByteLevel: Bool

    init(
        vocab: ByteKeyTable, merges: MergeTable, unkID: Int32?, continuingSubwordPrefix: String?,
        endOfWordSuffix: String?, fuseUnk: Bool, byteFallback: Bool, ignoreMerges: Bool, byteLevel: Bool
    ) {
        self.vocab = vocab
        self.merges = merges
        self.unkID = unkID
        self.continuingSubwordPrefix = Array((continuingSubwordPrefix ?? "").utf8)
        self.endOfWordSuffix = Array((endOfWordSuffix ?? "").utf8)
        self.fuseUnk = fuseUnk
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        self.byteLevel = byteLevel
        let suffix = self.endOfWordSuffix
        byteIDs = (0..<256).map { vocab.lookup(ByteLevelAlphabet.utf8[$0]) ?? -1 }
        byteIDsLast = (0..<256).map { vocab.lookup(ByteLevelAlphabet.utf8[$0] + suffix) ?? -1 }
        fallbackIDs = (0..<256).map { vocab.lookup(String(format: "<0x%02X>", $0)) ?? -1 }
        fastByteLevel =
            byteLevel && self.continuingSubwordPrefix.isEmpty && byteIDs.allSatisfy { $0 >= 0 }
            && byteIDsLast.allSatisfy { $0 >= 0 }
    }

    /// Appends the ids of word `word[0..<n]` to `out`, using `scratch` for intermediate state.
    func tokenize(_ word: UnsafePointer<UInt8>, _ n: Int, into out: inout [Int32], scratch: BPEScratch) {
        guard n > 0 else { return }
        if ignoreMerges, let id = wholeWordID(word, n, scratch) { out.append(id); return }
        scratch.symbols.removeAll(keepingCapacity: true)
        scratch.pendingUnk = false
        if fastByteLevel {
            byteIDs.withUnsafeBufferPointer { ids in
                for i in 0..<(n - 1) { scratch.symbols.append(ids[Int(word[i])]) }
            }
            scratch.symbols.append(byteIDsLast[Int(word[n - 1])])
        } else {
            var i = 0
            while i < n {
                let length = byteLevel ? 1 : utf8Length(lead: word[i])
                initialSymbol(word, i, length, first: i == 0, last: i + length >= n, scratch)
                i += length
            }
            flushUnk(scratch)
        }
        if scratch.symbols.count <= 48 { mergeByScan(scratch) } else { mergeByHeap(scratch) }
        out.append(contentsOf: scratch.symbols)
    }

    private func wholeWordID(_ word: UnsafePointer<UInt8>, _ n: Int, _ scratch: BPEScratch) -> Int32? {
        if !byteLevel { return vocab.lookup(word, n) }
        scratch.bytes.removeAll(keepingCapacity: true)
        ByteLevelAlphabet.encode(UnsafeBufferPointer(start: word, count: n), into: &scratch.bytes)
        return scratch.bytes.withUnsafeBufferPointer { vocab.lookup($0.baseAddress!, $0.count) }
    }

    /// Looks up one character (with prefix / suffix) as HF's `merge_word` does, falling back to `<0xXX>` bytes,
    /// then to the unknown token (fused with a preceding unknown when `fuse_unk`).
    private func initialSymbol(
        _ word: UnsafePointer<UInt8>, _ start: Int, _ length: Int, first: Bool, last: Bool,
        _ scratch: BPEScratch
    ) {
        var text: [UInt8] = []
        swap(&text, &scratch.bytes)
        defer { swap(&text, &scratch.bytes) }
        text.removeAll(keepingCapacity: true)
        if !first { text.append(contentsOf: continuingSubwordPrefix) }
        if byteLevel {
            ByteLevelAlphabet.encode(UnsafeBufferPointer(start: word + start, count: length), into: &text)
        } else {
            text.append(contentsOf: UnsafeBufferPointer(start: word + start, count: length))
        }
        if last { text.append(contentsOf: endOfWordSuffix) }
        if let id = text.withUnsafeBufferPointer({ vocab.lookup($0.baseAddress!, $0.count) }) {
            flushUnk(scratch)
            scratch.symbols.append(id)
            return
        }
        if byteFallback && text.allSatisfy({ fallbackIDs[Int($0)] >= 0 }) {
            // HF pushes the byte tokens without flushing a pending unknown first.
            for b in text { scratch.symbols.append(fallbackIDs[Int(b)]) }
            return
        }
        guard unkID != nil else { return }
        if scratch.pendingUnk && fuseUnk { return }
        flushUnk(scratch)
        scratch.pendingUnk = true
    }

    @inline(__always)
    private func flushUnk(_ scratch: BPEScratch) {
        if scratch.pendingUnk, let unk = unkID { scratch.symbols.append(unk) }
        scratch.pendingUnk = false
    }

    /// Short words: keep the rank of each adjacent pair and repeatedly merge the lowest, leftmost one.
    private func mergeByScan(_ scratch: BPEScratch) {
        let count = scratch.symbols.count
        guard count > 1 else { return }
        scratch.ranks.removeAll(keepingCapacity: true)
        scratch.results.removeAll(keepingCapacity: true)
        for i in 0..<(count - 1) {
            if let m = merges.lookup(scratch.symbols[i], scratch.symbols[i + 1]) {
                scratch.ranks.append(m.rank); scratch.results.append(m.result)
            } else {
                scratch.ranks.append(Int32.max); scratch.results.append(-1)
            }
        }
        var n = count
        scratch.symbols.withUnsafeMutableBufferPointer { sym in
            scratch.ranks.withUnsafeMutableBufferPointer { ranks in
                scratch.results.withUnsafeMutableBufferPointer { results in
                    while n > 1 {
                        var best = Int32.max
                        var at = -1
                        for i in 0..<(n - 1) where ranks[i] < best { best = ranks[i]; at = i }
                        if at < 0 { break }
                        sym[at] = results[at]
                        // Remove symbol at+1 and pair at+1 (shift left).
                        var k = at + 1
                        while k < n - 1 { sym[k] = sym[k + 1]; k += 1 }
                        k = at + 1
                        while k < n - 2 { ranks[k] = ranks[k + 1]; results[k] = results[k + 1]; k += 1 }
                        n -= 1
                        if at > 0 { setPair(at - 1, sym, ranks, results) }
                        if at < n - 1 { setPair(at, sym, ranks, results) }
                    }
                }
            }
        }
        scratch.symbols.removeLast(count - n)
    }

    @inline(__always)
    private func setPair(
        _ i: Int, _ sym: UnsafeMutableBufferPointer<Int32>, _ ranks: UnsafeMutableBufferPointer<Int32>,
        _ results: UnsafeMutableBufferPointer<Int32>
    ) {
        if let m = merges.lookup(sym[i], sym[i + 1]) {
            ranks[i] = m.rank; results[i] = m.result
        } else {
            ranks[i] = Int32.max; results[i] = -1
        }
    }

    /// Long words (a whole SentencePiece-style sentence): a linked list of symbols and a min-heap of candidate
    /// merges keyed by (rank, position); stale entries are skipped when popped, as in HF's `merge_all`.
    private func mergeByHeap(_ scratch: BPEScratch) {
        let n = scratch.symbols.count
        var sym = scratch.symbols
        var next = [Int](0..<n).map { $0 + 1 }
        next[n - 1] = -1
        var prev = [Int](0..<n).map { $0 - 1 }
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            if let m = merges.lookup(sym[i], sym[i + 1]) { heap.push(UInt64(UInt32(m.rank)) << 32 | UInt64(i)) }
        }
        while let top = heap.pop() {
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let pos = Int(top & 0xFFFF_FFFF)
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = next[pos]
            guard let m = merges.lookup(sym[pos], sym[right]), m.rank == rank else { continue }
            sym[pos] = m.result
            alive[right] = false
            next[pos] = next[right]
            if next[right] >= 0 { prev[next[right]] = pos }
            if prev[pos] >= 0, let l = merges.lookup(sym[prev[pos]], sym[pos]) {
                heap.push(UInt64(UInt32(l.rank)) << 32 | UInt64(prev[pos]))
            }
            if next[pos] >= 0, let r = merges.lookup(sym[pos], sym[next[pos]]) {
                heap.push(UInt64(UInt32(r.rank)) << 32 | UInt64(pos))
            }
        }
        scratch.symbols.removeAll(keepingCapacity: true)
        var i = 0
        while i >= 0 { scratch.symbols.append(sym[i]); i = next[i] }
    }
}

/// Reusable buffers of one thread's model calls: BPE's symbols and ranks, Unigram's best paths.
final class BPEScratch {
    /// Unigram's Viterbi: per byte position, the best score reaching it, where that path's last piece starts, its id.
    var bestScore: [Double] = []
    var bestStart: [Int32] = []
    var bestID: [Int32] = []
    var symbols: [Int32] = []
    var ranks: [Int32] = []
    var results: [Int32] = []
    var bytes: [UInt8] = []
    var pendingUnk = false
    init() {
        symbols.reserveCapacity(256); ranks.reserveCapacity(256); results.reserveCapacity(256)
        bytes.reserveCapacity(256)
    }
}

/// A binary min-heap of packed (rank, position) keys.
struct MinHeap {
    private var items: [UInt64] = []
    mutating func push(_ value: UInt64) {
        items.append(value)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= items[i] { break }
            items.swapAt(parent, i); i = parent
        }
    }
    mutating func pop() -> UInt64? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l] < items[m] { m = l }
                if r < items.count && items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top
    }
}
