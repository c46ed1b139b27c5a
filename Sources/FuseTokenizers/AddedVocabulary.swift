/// A token added on top of the model's vocabulary (special tokens such as `[CLS]` or `<|endoftext|>`), matched
/// in the raw text before normalization and pre-tokenization.
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int32
    /// Special tokens are dropped by `decode(skipSpecialTokens: true)`.
    public var special: Bool
    /// Only match when not inside a word.
    public var singleWord: Bool
    /// Swallow whitespace on the left / right of the match.
    public var lstrip: Bool
    public var rstrip: Bool
    /// HF matches `normalized` tokens on normalized text; Fuse matches every added token on the raw text.
    public var normalized: Bool

    public init(
        content: String, id: Int32, special: Bool = true, singleWord: Bool = false, lstrip: Bool = false,
        rstrip: Bool = false, normalized: Bool = false
    ) {
        self.content = content
        self.id = id
        self.special = special
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
    }
}

/// A stretch of input: plain text to normalize and tokenize, or an added token's id.
enum Segment {
    case text(Range<Int>)
    case token(Int32)
}

/// Finds added tokens in text, leftmost first and longest first at one position.
struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    private let bytes: [[UInt8]]
    /// Token indices by first byte, longest first.
    private let byFirstByte: [[Int]]

    init(_ tokens: [AddedToken]) {
        self.tokens = tokens
        bytes = tokens.map { Array($0.content.utf8) }
        var table = [[Int]](repeating: [], count: 256)
        for (index, b) in bytes.enumerated() where !b.isEmpty { table[Int(b[0])].append(index) }
        let lengths = bytes.map(\.count)
        byFirstByte = table.map { $0.sorted { lengths[$0] > lengths[$1] } }
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Splits `text` into plain-text segments and added-token ids.
    func split(_ text: UnsafeBufferPointer<UInt8>, into segments: inout [Segment]) {
        segments.removeAll(keepingCapacity: true)
        let n = text.count
        var textStart = 0
        var i = 0
        while i < n {
            let candidates = byFirstByte[Int(text[i])]
            var matched: (index: Int, end: Int)? = nil
            for index in candidates {
                let token = bytes[index]
                guard i + token.count <= n else { continue }
                var equal = true
                for k in 1..<token.count where text[i + k] != token[k] { equal = false; break }
                if !equal { continue }
                if tokens[index].singleWord && !isWordBoundary(text, i, i + token.count) { break }
                matched = (index, i + token.count)
                break
            }
            guard let (index, end) = matched else { i += 1; continue }
            var start = i
            var stop = end
            if tokens[index].lstrip {
                while start > textStart {
                    let previous = scalarStart(text, before: start)
                    guard RegexSplitters.classAt(text, previous).flags & CharClass.space != 0 else { break }
                    start = previous
                }
            }
            if tokens[index].rstrip {
                while stop < n {
                    let (flags, length) = RegexSplitters.classAt(text, stop)
                    guard flags & CharClass.space != 0 else { break }
                    stop += length
                }
            }
            if start > textStart { segments.append(.text(textStart..<start)) }
            segments.append(.token(tokens[index].id))
            textStart = stop
            i = stop
        }
        if n > textStart || segments.isEmpty { segments.append(.text(textStart..<n)) }
    }

    /// Start of the scalar that ends just before byte `i`.
    private func scalarStart(_ text: UnsafeBufferPointer<UInt8>, before i: Int) -> Int {
        var p = i - 1
        while p > 0 && text[p] & 0xC0 == 0x80 { p -= 1 }
        return p
    }

    /// HF's single_word test: no `\w` (Rust's regex crate: Alphabetic, marks, Nd, Pc, Join_Control) touches the
    /// match on either side. (lstrip/rstrip above strip its Unicode `\s`, White_Space, not only ASCII spaces.)
    private func isWordBoundary(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        if start > 0 && RegexSplitters.classAt(text, scalarStart(text, before: start)).flags & CharClass.word != 0 {
            return false
        }
        if end < text.count && RegexSplitters.classAt(text, end).flags & CharClass.word != 0 { return false }
        return true
    }
}
