import Foundation

/// HF tokenizers' SentencePiece Unigram model (`models::unigram`, its `encode_optimized`): the best segmentation
/// of each word by Viterbi over the scored pieces, scores being log probabilities summed along a path.
///
/// At every character start, each vocabulary piece that begins there (a common-prefix search in a byte trie) is an
/// edge; when no piece spans exactly the one character, an unknown edge of score `min(score) − 10` is added. A
/// node keeps the first best path reaching it (a later one must score strictly higher), as HF does. Consecutive
/// unknown pieces are fused into one string (HF's Unigram always fuses); a string that is not a piece becomes, with
/// `byteFallback`, its bytes' `<0xXX>` pieces when all exist, else the unknown id. Without an unknown id a character
/// no piece covers gives no id (HF raises `MissingUnkId` there).
struct UnigramModel: Sendable {
    let trie: PieceTrie
    /// Piece → id (the last id of a piece listed twice, as HF's `token_to_ids`).
    let vocab: ByteKeyTable
    let scores: [Double]
    let unkID: Int32?
    let byteFallback: Bool
    /// `<0xXX>` ids by byte, -1 where the vocabulary lacks the piece (used only with `byteFallback`).
    let byteIDs: [Int32]
    /// HF's `min_score − K_UNK_PENALTY`.
    let unkScore: Double

    init(pieces: [(piece: String, score: Double)], unkID: Int32?, byteFallback: Bool) {
        var vocab = ByteKeyTable([(String, Int32)](), capacityHint: pieces.count)
        var trie = PieceTrieBuilder()
        for (id, entry) in pieces.enumerated() {
            let bytes = Array(entry.piece.utf8)
            vocab.insert(bytes, Int32(id))
            trie.insert(bytes, id: Int32(id))
        }
        self.trie = trie.build()
        self.vocab = vocab
        scores = pieces.map(\.score)
        self.unkID = unkID
        self.byteFallback = byteFallback
        byteIDs = (0..<256).map { vocab.lookup(String(format: "<0x%02X>", $0)) ?? -1 }
        unkScore = (scores.min() ?? .infinity) - 10
    }

    /// Appends the ids of word `word[0..<n]` (valid UTF-8) to `out`.
    func tokenize(_ word: UnsafePointer<UInt8>, _ n: Int, into out: inout [Int32], scratch: BPEScratch) {
        guard n > 0 else { return }
        scratch.bestScore.removeAll(keepingCapacity: true)
        scratch.bestScore.append(contentsOf: repeatElement(0, count: n + 1))
        scratch.bestStart.removeAll(keepingCapacity: true)
        scratch.bestStart.append(contentsOf: repeatElement(-1, count: n + 1))
        scratch.bestID.removeAll(keepingCapacity: true)
        scratch.bestID.append(contentsOf: repeatElement(-1, count: n + 1))
        scratch.bestScore.withUnsafeMutableBufferPointer { score in
            scratch.bestStart.withUnsafeMutableBufferPointer { start in
                scratch.bestID.withUnsafeMutableBufferPointer { id in
                    viterbi(word, n, score, start, id)
                }
            }
        }
        backtrack(word, n, scratch, into: &out)
    }

    private func viterbi(
        _ word: UnsafePointer<UInt8>, _ n: Int, _ score: UnsafeMutableBufferPointer<Double>,
        _ start: UnsafeMutableBufferPointer<Int32>, _ id: UnsafeMutableBufferPointer<Int32>
    ) {
        @inline(__always) func relax(_ from: Int, _ to: Int, _ candidate: Double, _ piece: Int32) {
            if start[to] < 0 || candidate > score[to] {
                score[to] = candidate; start[to] = Int32(from); id[to] = piece
            }
        }
        var at = 0
        while at < n {
            let here = score[at]
            let charLength = min(utf8Length(lead: word[at]), n - at)
            var coversOneChar = false
            trie.commonPrefixes(word + at, n - at) { length, piece in
                relax(at, at + length, scores[Int(piece)] + here, piece)
                if length == charLength { coversOneChar = true }
            }
            if !coversOneChar { relax(at, at + charLength, unkScore + here, unkID ?? -1) }
            at += charLength
        }
    }

    /// Walks the best path back from the end, fusing unknown pieces, and appends the ids in text order.
    private func backtrack(_ word: UnsafePointer<UInt8>, _ n: Int, _ scratch: BPEScratch, into out: inout [Int32]) {
        // Pieces as (start, end) byte ranges, last first; a fused run of unknown pieces is one range.
        var ranges: [(Int, Int, Int32)] = []
        var end = n
        var fusedEnd = -1
        while end > 0 {
            let begin = Int(scratch.bestStart[end])
            let piece = scratch.bestID[end]
            if let unkID, piece == unkID {
                if fusedEnd < 0 { fusedEnd = end }
            } else {
                if fusedEnd >= 0 { ranges.append((end, fusedEnd, -1)); fusedEnd = -1 }
                ranges.append((begin, end, piece))
            }
            end = begin
        }
        if fusedEnd >= 0 { ranges.append((0, fusedEnd, -1)) }
        for (begin, end, piece) in ranges.reversed() {
            if piece >= 0 { out.append(piece); continue }
            if piece == -1 && unkID == nil { continue }
            if let known = vocab.lookup(word + begin, end - begin) { out.append(known); continue }
            if byteFallback && (begin..<end).allSatisfy({ byteIDs[Int(word[$0])] >= 0 }) {
                for i in begin..<end { out.append(byteIDs[Int(word[i])]) }
                continue
            }
            if let unkID { out.append(unkID) }
        }
    }
}
