/// Hand-written equivalents of the split regexes of GPT-2 and CLIP, run on UTF-8 bytes.
///
/// Each scanner reproduces the leftmost-first alternation semantics of the regex it replaces, so the pieces are
/// byte-identical to what HF tokenizers' Oniguruma produces, at a small fraction of the cost.
enum RegexSplitters {
    /// The GPT-2 pattern used by HF's ByteLevel pre-tokenizer.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    /// CLIP's pattern as HF's CLIPTokenizerFast writes it (with the two special tokens first), and without them.
    static let clipPatternWithSpecials =
        #"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#
    static let clipPattern = #"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#

    @inline(__always)
    static func classAt(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int) -> (flags: CharClass.Flags, length: Int) {
        let b = buf[i]
        if b < 0x80 { return (asciiClass[Int(b)], 1) }
        let (value, length) = decodeScalar(buf, i)
        return (CharClass.of(value), length)
    }

    static let asciiClass: [CharClass.Flags] = (0..<128).map { CharClass.of(UInt32($0)) }

    /// Length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `i`, or 0.
    @inline(__always)
    static func contraction(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        guard buf[i] == 0x27, i + 1 < end else { return 0 }
        switch buf[i + 1] {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        case 0x72, 0x76: return i + 2 < end && buf[i + 2] == 0x65 ? 3 : 0  // re ve
        case 0x6C: return i + 2 < end && buf[i + 2] == 0x6C ? 3 : 0  // ll
        default: return 0
        }
    }

    /// Splits `buf[start..<end]` as GPT-2's regex does; every byte lands in exactly one piece.
    static func gpt2(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into pieces: inout [Piece]) {
        let letter = CharClass.letter, number = CharClass.number, space = CharClass.space
        var i = start
        while i < end {
            let c = contraction(buf, i, end)
            if c > 0 { pieces.append(Piece(i, i + c)); i += c; continue }
            var (flags, length) = classAt(buf, i)
            var j = i
            // " ?X+": a single ASCII space may lead a run of letters, numbers or other symbols.
            if buf[i] == 0x20 && i + 1 < end {
                let next = classAt(buf, i + 1)
                if next.flags & space == 0 {
                    j = i + 1
                    flags = next.flags
                    length = next.length
                }
            }
            if flags & space == 0 {
                let kind: CharClass.Flags = flags & letter != 0 ? letter : flags & number != 0 ? number : 0
                j += length
                while j < end {
                    let (f, l) = classAt(buf, j)
                    let same = kind == 0 ? (f & (letter | number | space) == 0) : (f & kind != 0)
                    if !same { break }
                    j += l
                }
                pieces.append(Piece(i, j)); i = j; continue
            }
            // Whitespace: "\s+(?!\S)" takes the run minus its last character when a non-space follows,
            // otherwise the whole run; a lone space before a non-space falls to "\s+".
            var runEnd = i
            var lastStart = i
            while runEnd < end {
                let (f, l) = classAt(buf, runEnd)
                if f & space == 0 { break }
                lastStart = runEnd
                runEnd += l
            }
            if runEnd < end && lastStart > i {
                pieces.append(Piece(i, lastStart)); i = lastStart
            } else {
                pieces.append(Piece(i, runEnd)); i = runEnd
            }
        }
    }

    /// Keeps the matches of CLIP's regex in `buf[start..<end]` (HF: Split, behavior Removed, invert).
    static func clip(
        _ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, withSpecials: Bool,
        into pieces: inout [Piece]
    ) {
        let letter = CharClass.letter, number = CharClass.number, space = CharClass.space
        var i = start
        while i < end {
            if withSpecials && buf[i] == 0x3C {
                let found = [startOfText, endOfText].first { token in
                    i + token.count <= end && (0..<token.count).allSatisfy { buf[i + $0] == token[$0] }
                }
                if let token = found { pieces.append(Piece(i, i + token.count)); i += token.count; continue }
            }
            let c = contraction(buf, i, end)
            if c > 0 { pieces.append(Piece(i, i + c)); i += c; continue }
            let (flags, length) = classAt(buf, i)
            if flags & space != 0 { i += length; continue }
            if flags & number != 0 && flags & letter == 0 { pieces.append(Piece(i, i + length)); i += length; continue }
            let kind: CharClass.Flags = flags & letter != 0 ? letter : 0
            var j = i + length
            while j < end {
                let (f, l) = classAt(buf, j)
                let same = kind == 0 ? (f & (letter | number | space) == 0) : (f & letter != 0)
                if !same { break }
                j += l
            }
            pieces.append(Piece(i, j)); i = j
        }
    }

    private static let startOfText = Array("<|startoftext|>".utf8)
    private static let endOfText = Array("<|endoftext|>".utf8)
}
