/// A byte range `[start, end)` of a pre-tokenized buffer: one "word" for the model.
struct Piece: Sendable, Equatable {
    var start: Int
    var end: Int
    @inline(__always) init(_ start: Int, _ end: Int) { self.start = start; self.end = end }
}

/// How a `Split` pre-tokenizer treats the delimiters it finds (HF's `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
}

/// Metaspace's rule for prepending the replacement character.
enum PrependScheme: String, Sendable { case always, first, never }

/// What a `Split` pre-tokenizer splits on.
enum SplitRule: Sendable {
    /// GPT-2's regex (hand-written scanner); matches are the pieces.
    case gpt2
    /// CLIP's regex (hand-written scanner), optionally with its two special tokens first.
    case clip(withSpecials: Bool)
    case pattern(TextPattern)
}

/// HF tokenizers' pre-tokenizers: split normalized text into words (and, for Metaspace, rewrite spaces).
indirect enum PreTokenizer: Sendable {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(SplitRule, behavior: SplitBehavior, invert: Bool)
    case bert
    case whitespace
    case whitespaceSplit
    case metaspace(replacement: [UInt8], prependScheme: PrependScheme, split: Bool)
    case punctuation(SplitBehavior)
    case digits(individual: Bool)
    case sequence([PreTokenizer])

    /// Whether the model must map bytes through GPT-2's byte → character table.
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: true
        case .sequence(let steps): steps.contains { $0.isByteLevel }
        default: false
        }
    }

    /// Splits `pieces` of `buffer` further. `atOriginalStart` says whether the buffer begins at offset 0 of the
    /// caller's text (Metaspace's `first` scheme prepends only there). May rewrite `buffer`.
    func run(_ buffer: inout [UInt8], _ pieces: inout [Piece], atOriginalStart: Bool) {
        switch self {
        case .sequence(let steps):
            for step in steps { step.run(&buffer, &pieces, atOriginalStart: atOriginalStart) }
        case .byteLevel(let addPrefixSpace, let useRegex):
            if addPrefixSpace {
                rewrite(&buffer, &pieces) { bytes, _, out in
                    if !bytes.isEmpty && bytes[0] != 0x20 { out.append(0x20) }
                    out.append(contentsOf: bytes)
                }
            }
            if useRegex { splitEach(buffer, &pieces) { buf, s, e, out in RegexSplitters.gpt2(buf, s, e, into: &out) } }
        case .split(let rule, let behavior, let invert):
            splitEach(buffer, &pieces) { buf, s, e, out in
                switch rule {
                case .gpt2:
                    var matches: [Piece] = []
                    RegexSplitters.gpt2(buf, s, e, into: &matches)
                    applyBehavior(matches.map { $0.start..<$0.end }, s, e, behavior, invert, &out)
                case .clip(let withSpecials):
                    var matches: [Piece] = []
                    RegexSplitters.clip(buf, s, e, withSpecials: withSpecials, into: &matches)
                    applyBehavior(matches.map { $0.start..<$0.end }, s, e, behavior, invert, &out)
                case .pattern(let pattern):
                    let matches = pattern.matches(in: Array(buf[s..<e])).map {
                        ($0.lowerBound + s)..<($0.upperBound + s)
                    }
                    applyBehavior(matches, s, e, behavior, invert, &out)
                }
            }
        case .bert:
            splitEach(buffer, &pieces) { buf, s, e, out in
                scalarSplit(buf, s, e, &out) { flags in
                    flags & CharClass.space != 0 ? .removed : flags & CharClass.punctuation != 0 ? .isolated : nil
                }
            }
        case .whitespaceSplit:
            splitEach(buffer, &pieces) { buf, s, e, out in
                scalarSplit(buf, s, e, &out) { $0 & CharClass.space != 0 ? .removed : nil }
            }
        case .punctuation(let behavior):
            splitEach(buffer, &pieces) { buf, s, e, out in
                var matches: [Range<Int>] = []
                var i = s
                while i < e {
                    let (flags, l) = RegexSplitters.classAt(buf, i)
                    if flags & CharClass.punctuation != 0 { matches.append(i..<(i + l)) }
                    i += l
                }
                applyBehavior(matches, s, e, behavior, false, &out)
            }
        case .digits(let individual):
            splitEach(buffer, &pieces) { buf, s, e, out in
                var matches: [Range<Int>] = []
                var i = s
                while i < e {
                    let (flags, l) = RegexSplitters.classAt(buf, i)
                    if flags & CharClass.numeric != 0 { matches.append(i..<(i + l)) }
                    i += l
                }
                applyBehavior(matches, s, e, individual ? .isolated : .contiguous, false, &out)
            }
        case .whitespace:
            // \w+|[^\w\s]+ : runs of word characters, runs of other non-space characters.
            splitEach(buffer, &pieces) { buf, s, e, out in
                var i = s
                while i < e {
                    let (flags, l) = RegexSplitters.classAt(buf, i)
                    if flags & CharClass.space != 0 { i += l; continue }
                    let word = flags & CharClass.word != 0
                    var j = i + l
                    while j < e {
                        let (f, l2) = RegexSplitters.classAt(buf, j)
                        if f & CharClass.space != 0 || (f & CharClass.word != 0) != word { break }
                        j += l2
                    }
                    out.append(Piece(i, j)); i = j
                }
            }
        case .metaspace(let replacement, let scheme, let split):
            rewrite(&buffer, &pieces) { bytes, pieceStart, out in
                let begin = out.count
                for b in bytes { if b == 0x20 { out.append(contentsOf: replacement) } else { out.append(b) } }
                let startsWithReplacement =
                    out.count - begin >= replacement.count
                    && out[begin..<(begin + replacement.count)].elementsEqual(replacement)
                let prepend =
                    !bytes.isEmpty && !startsWithReplacement
                    && (scheme == .always || (scheme == .first && atOriginalStart && pieceStart == 0))
                if prepend { out.insert(contentsOf: replacement, at: begin) }
            }
            if split {
                let pattern = TextPattern.literal(replacement)
                splitEach(buffer, &pieces) { buf, s, e, out in
                    let matches = pattern.matches(in: Array(buf[s..<e])).map {
                        ($0.lowerBound + s)..<($0.upperBound + s)
                    }
                    applyBehavior(matches, s, e, .mergedWithNext, false, &out)
                }
            }
        }
    }
}

/// Replaces each piece's bytes by what `transform` writes, giving a new buffer and new piece ranges.
private func rewrite(
    _ buffer: inout [UInt8], _ pieces: inout [Piece],
    _ transform: (ArraySlice<UInt8>, Int, inout [UInt8]) -> Void
) {
    var out: [UInt8] = []
    out.reserveCapacity(buffer.count + 16)
    for index in pieces.indices {
        let piece = pieces[index]
        let begin = out.count
        transform(buffer[piece.start..<piece.end], piece.start, &out)
        pieces[index] = Piece(begin, out.count)
    }
    buffer = out
}

/// Replaces each piece by the sub-pieces `split` produces for it.
private func splitEach(
    _ buffer: [UInt8], _ pieces: inout [Piece],
    _ split: (UnsafeBufferPointer<UInt8>, Int, Int, inout [Piece]) -> Void
) {
    var out: [Piece] = []
    out.reserveCapacity(pieces.count * 2)
    buffer.withUnsafeBufferPointer { buf in
        for piece in pieces where piece.end > piece.start { split(buf, piece.start, piece.end, &out) }
    }
    pieces = out
}

/// Splits on single characters the classifier marks as removed or isolated delimiters.
private func scalarSplit(
    _ buf: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ out: inout [Piece],
    _ classify: (CharClass.Flags) -> SplitBehavior?
) {
    var wordStart = s
    var i = s
    while i < e {
        let (flags, l) = RegexSplitters.classAt(buf, i)
        if let behavior = classify(flags) {
            if i > wordStart { out.append(Piece(wordStart, i)) }
            if behavior == .isolated { out.append(Piece(i, i + l)) }
            wordStart = i + l
        }
        i += l
    }
    if e > wordStart { out.append(Piece(wordStart, e)) }
}

/// Turns match ranges inside `[s, e)` into pieces following HF's split behaviors (`invert`: matches are kept
/// and the text between them is the delimiter).
private func applyBehavior(
    _ matches: [Range<Int>], _ s: Int, _ e: Int, _ behavior: SplitBehavior, _ invert: Bool,
    _ out: inout [Piece]
) {
    // Segments covering [s, e): (range, isDelimiter).
    var segments: [(Range<Int>, Bool)] = []
    var last = s
    for m in matches {
        if m.lowerBound > last { segments.append((last..<m.lowerBound, invert)) }
        segments.append((m, !invert))
        last = m.upperBound
    }
    if e > last { segments.append((last..<e, invert)) }
    switch behavior {
    case .removed:
        for (r, delim) in segments where !delim { out.append(Piece(r.lowerBound, r.upperBound)) }
    case .isolated:
        for (r, _) in segments { out.append(Piece(r.lowerBound, r.upperBound)) }
    case .contiguous:
        var pending: Range<Int>? = nil
        for (r, delim) in segments {
            if delim {
                pending = pending.map { $0.lowerBound..<r.upperBound } ?? r
            } else {
                if let p = pending { out.append(Piece(p.lowerBound, p.upperBound)); pending = nil }
                out.append(Piece(r.lowerBound, r.upperBound))
            }
        }
        if let p = pending { out.append(Piece(p.lowerBound, p.upperBound)) }
    case .mergedWithPrevious:
        var current: Range<Int>? = nil
        for (r, delim) in segments {
            if delim {
                current = (current?.lowerBound ?? r.lowerBound)..<r.upperBound
                out.append(Piece(current!.lowerBound, current!.upperBound)); current = nil
            } else {
                if let c = current { out.append(Piece(c.lowerBound, c.upperBound)) }
                current = r
            }
        }
        if let c = current { out.append(Piece(c.lowerBound, c.upperBound)) }
    case .mergedWithNext:
        var pendingStart: Int? = nil
        for (r, delim) in segments {
            if delim {
                if let p = pendingStart { out.append(Piece(p, r.lowerBound)) }
                pendingStart = r.lowerBound
            } else {
                out.append(Piece(pendingStart ?? r.lowerBound, r.upperBound)); pendingStart = nil
            }
        }
        if let p = pendingStart { out.append(Piece(p, e)) }
    }
}
