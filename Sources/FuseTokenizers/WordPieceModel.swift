/// HF tokenizers' WordPiece model (BERT): greedy longest-match-first over each word, continuation pieces
/// spelled with a prefix (`##`); a word with an unmatched remainder, or longer than `maxInputCharsPerWord`
/// characters, becomes the single unknown token.
struct WordPieceModel: Sendable {
    let vocab: ByteKeyTable
    let unkID: Int32
    let continuingSubwordPrefix: [UInt8]
    let maxInputCharsPerWord: Int

    /// Appends the ids of word `word[0..<n]` to `out`.
    func tokenize(_ word: UnsafePointer<UInt8>, _ n: Int, into out: inout [Int32], scratch: BPEScratch) {
        guard n > 0 else { return }
        var chars = 0
        for i in 0..<n where word[i] & 0xC0 != 0x80 { chars += 1 }
        if chars > maxInputCharsPerWord { out.append(unkID); return }
        let firstOut = out.count
        var key: [UInt8] = []
        swap(&key, &scratch.bytes)
        defer { swap(&key, &scratch.bytes) }
        var start = 0
        while start < n {
            var end = n
            var found: Int32? = nil
            while start < end {
                if start == 0 {
                    found = vocab.lookup(word, end)
                } else {
                    key.removeAll(keepingCapacity: true)
                    key.append(contentsOf: continuingSubwordPrefix)
                    key.append(contentsOf: UnsafeBufferPointer(start: word + start, count: end - start))
                    found = key.withUnsafeBufferPointer { vocab.lookup($0.baseAddress!, $0.count) }
                }
                if found != nil { break }
                // Step back one whole character.
                end -= 1
                while end > start && word[end] & 0xC0 == 0x80 { end -= 1 }
            }
            guard let id = found else {
                out.removeLast(out.count - firstOut)
                out.append(unkID)
                return
            }
            out.append(id)
            start = end
        }
    }
}
