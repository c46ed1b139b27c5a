@testable import FuseTokenizers
import Testing

/// The per-thread word cache: it starts small, grows while keeping every entry, and clears at its largest size.
@Suite struct WordCacheTests {
    /// Inserts word `w<index>` with ids `[index, index + 1]` (length varies with the index).
    private func insert(_ index: Int, into cache: WordCache) {
        let word = Array("w\(index)".utf8)
        word.withUnsafeBufferPointer { p in
            cache.insert(p.baseAddress!, p.count, hash: hash(word), ids: [Int32(index), Int32(index + 1)][...])
        }
    }

    private func lookup(_ index: Int, in cache: WordCache) -> [Int32]? {
        let word = Array("w\(index)".utf8)
        var out: [Int32] = []
        let found = word.withUnsafeBufferPointer { p in
            cache.append(p.baseAddress!, p.count, hash: hash(word), to: &out)
        }
        return found ? out : nil
    }

    /// FNV-1a, with a few deliberate collisions' worth of low bits shared (the table must probe).
    private func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h & 0xFFFF_FFFF_FFFF_00FF
    }

    @Test func growsAndKeepsEveryWord() {
        let cache = WordCache(initialCapacity: 16, maxCapacity: 1024)
        #expect(cache.capacity == 16)
        for i in 0..<500 { insert(i, into: cache) }
        #expect(cache.capacity == 1024)
        #expect(cache.wordCount == 500)
        for i in 0..<500 { #expect(lookup(i, in: cache) == [Int32(i), Int32(i + 1)]) }
        #expect(lookup(500, in: cache) == nil)
    }

    @Test func clearsWhenHalfFullAtItsLargestSize() {
        let cache = WordCache(initialCapacity: 4, maxCapacity: 64)
        for i in 0..<32 { insert(i, into: cache) }
        #expect(cache.capacity == 64)
        #expect(cache.wordCount == 32)
        insert(32, into: cache)
        #expect(cache.capacity == 64)
        #expect(cache.wordCount == 1)
        #expect(lookup(0, in: cache) == nil)
        #expect(lookup(32, in: cache) == [32, 33])
    }
}
