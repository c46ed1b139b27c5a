import Foundation
import FuseTokenizers
import TextBPE

/// Where each token of a text came from: UTF-8 byte ranges into the text, as text-embeddings-inference's
/// `/tokenize` reports them (`start`/`stop`, from HF tokenizers' offsets, which always cover whole characters).
///
/// Fuse's tokenizer keeps no offsets while it encodes (its hot loop stays allocation-free), so they are recovered
/// afterwards from the tokens themselves, in two ways:
/// - **Lossless vocabularies** (byte-level BPE, SentencePiece-style `▁` pieces with byte fallback): each token's
///   bytes (the byte-level alphabet undone, `▁` as a space, `<0xHH>` as its byte) concatenate to the text, or to the
///   text after one prepended space (`add_prefix_space`, Metaspace's or Llama's prepended `▁`). Offsets are then the
///   running sums, widened to whole characters; the prepended space belongs to the first character, as in HF.
/// - **Normalising vocabularies** (BERT's lower-casing and accent stripping, WordPiece's `##`): each token's surface
///   form is found in the text left to right, both folded the way those normalizers fold (canonical decomposition,
///   combining marks dropped, lower case; whitespace, controls and `▁` skipped). A token the text does not spell
///   (`[UNK]`) gets the text between its aligned neighbours, trimmed of whitespace.
/// Special tokens (the post-processor's, as the encoding's special-tokens mask says) have no offsets (nil), nor has
/// a token that cannot be placed.
public enum TokenOffsets {
    /// The byte range of each of `ids` in `text`; `special[i]` marks tokens the post-processor added.
    public static func align(_ ids: [Int32], special: [Bool], in text: String, tokenizer: Tokenizer) -> [Range<Int>?] {
        let utf8 = Array(text.utf8)
        let surfaces = ids.indices.map { special[$0] ? nil : surfaceBytes(ids[$0], tokenizer: tokenizer) }
        if let ranges = runningSums(surfaces, text: utf8) { return ranges }
        return folded(ids, special: special, text: text, utf8: utf8, tokenizer: tokenizer)
    }

    /// Offsets as running sums of the tokens' bytes, when they spell the text exactly (or after one prepended space).
    static func runningSums(_ surfaces: [[UInt8]?], text: [UInt8]) -> [Range<Int>?]? {
        let joined = surfaces.reduce(into: [UInt8]()) { $0 += $1 ?? [] }
        let prepended: Bool
        if joined == text {
            prepended = false
        } else if joined.first == 0x20, joined.count == text.count + 1, joined.dropFirst().elementsEqual(text) {
            prepended = true
        } else {
            return nil
        }
        var position = prepended ? -1 : 0
        return surfaces.map { surface -> Range<Int>? in
            guard let surface, !surface.isEmpty else { return nil }
            let start = max(position, 0)
            position += surface.count
            // A token that is only the prepended space covers the first character (HF maps it there).
            let stop = position > start ? position : characterEnd(text, from: start)
            guard stop > start else { return nil }
            return characterStart(text, start)..<characterEnd(text, from: stop)
        }
    }

    /// Offsets found by folded search, then `[UNK]`-like gaps filled.
    static func folded(
        _ ids: [Int32], special: [Bool], text: String, utf8: [UInt8],
        tokenizer: Tokenizer
    ) -> [Range<Int>?] {
        let folded = FoldedText(text)
        var cursor = 0
        var ranges = ids.indices.map { index -> Range<Int>? in
            guard !special[index] else { return nil }
            var surface = tokenizer.decode([ids[index]], skipSpecialTokens: false)
            if surface.utf8.starts(with: "##".utf8) {
                surface = String(decoding: surface.utf8.dropFirst(2), as: UTF8.self)
            }
            let needle = FoldedText.fold(surface)
            guard !needle.isEmpty, !needle.contains("\u{FFFD}"),
                let match = folded.find(needle, from: cursor)
            else { return nil }
            cursor = match.upperBound
            return folded.origins[match.lowerBound].lowerBound..<folded.origins[match.upperBound - 1].upperBound
        }
        // A single unplaced text token between placed ones (or the text's ends) covers the text between them.
        let placed = ranges
        for index in ranges.indices where placed[index] == nil && !special[index] {
            let previous = placed.indices.prefix(index).last { !special[$0] }
            let next = placed.indices.dropFirst(index + 1).first { !special[$0] }
            guard previous.map({ placed[$0] != nil }) ?? true, next.map({ placed[$0] != nil }) ?? true else { continue }
            var lower = previous.flatMap { placed[$0]?.upperBound } ?? 0
            var upper = next.flatMap { placed[$0]?.lowerBound } ?? utf8.count
            while lower < upper, isSpace(utf8[lower]) { lower += 1 }
            while upper > lower, isSpace(utf8[upper - 1]) { upper -= 1 }
            if lower < upper { ranges[index] = lower..<upper }
        }
        return ranges
    }

    /// A token's bytes as it spells the text, for the running-sum alignment; nil when it has none.
    static func surfaceBytes(_ id: Int32, tokenizer: Tokenizer) -> [UInt8]? {
        guard let token = tokenizer.token(forID: id) else { return nil }
        if isByteLevel(tokenizer) {
            var bytes: [UInt8] = []
            for scalar in token.unicodeScalars {
                guard let byte = ByteLevelAlphabet.byte(for: scalar) else { return nil }
                bytes.append(byte)
            }
            return bytes
        }
        let utf8 = Array(token.utf8)
        // SentencePiece's byte fallback: `<0xHH>`.
        if utf8.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">"),
            let byte = UInt8(token.dropFirst(3).prefix(2), radix: 16)
        {
            return [byte]
        }
        return Array(token.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
    }

    /// Whether the vocabulary is byte-level (GPT-2's alphabet: `Ġ` decodes to a space).
    static func isByteLevel(_ tokenizer: Tokenizer) -> Bool {
        guard let id = tokenizer.id(forToken: "\u{0120}") else { return false }
        return tokenizer.decode([id], skipSpecialTokens: false) == " "
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    /// The start of the character holding byte `index`.
    static func characterStart(_ text: [UInt8], _ index: Int) -> Int {
        var index = min(index, text.count)
        while index > 0, index < text.count, text[index] & 0xC0 == 0x80 { index -= 1 }
        return index
    }

    /// The end of the character that byte `index - 1` belongs to (`index` itself when it starts a character); from a
    /// character start with nothing before it, the end of that character.
    static func characterEnd(_ text: [UInt8], from index: Int) -> Int {
        var index = min(index, text.count)
        if index == 0, !text.isEmpty { index = 1 }
        while index < text.count, text[index] & 0xC0 == 0x80 { index += 1 }
        return index
    }
}

/// GPT-2's byte-level alphabet, undone: printable Latin-1 bytes stand for themselves, the other 68 bytes for
/// U+0100 onwards in order.
enum ByteLevelAlphabet {
    static let bytes: [Unicode.Scalar: UInt8] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table: [Unicode.Scalar: UInt8] = [:]
        for byte in printable { table[Unicode.Scalar(UInt8(byte))] = UInt8(byte) }
        var next: UInt32 = 256
        for byte in 0...255 where !printable.contains(byte) {
            table[Unicode.Scalar(next)!] = UInt8(byte)
            next += 1
        }
        printable.removeAll()
        return table
    }()

    static func byte(for scalar: Unicode.Scalar) -> UInt8? { bytes[scalar] }
}

/// A text folded scalar by scalar, each folded scalar remembering the byte range of the original scalar it came
/// from.
struct FoldedText {
    /// The folded scalars.
    private(set) var scalars: [Unicode.Scalar] = []
    /// For each folded scalar, the UTF-8 byte range of the original scalar.
    private(set) var origins: [Range<Int>] = []

    init(_ text: String) {
        var offset = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            for folded in Self.fold(scalar) {
                scalars.append(folded)
                origins.append(offset..<(offset + width))
            }
            offset += width
        }
    }

    /// The scalars `scalar` folds to: none for whitespace, controls, format characters and `▁`; otherwise its
    /// canonical decomposition without combining marks, lower-cased.
    static func fold(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let properties = scalar.properties
        if properties.isWhitespace || scalar == "\u{2581}" { return [] }
        switch properties.generalCategory {
        case .control, .format, .nonspacingMark, .enclosingMark, .spacingMark: return []
        default: break
        }
        if scalar.isASCII {
            return [
                Unicode.Scalar(
                    UInt8(ascii: "A")...UInt8(ascii: "Z") ~= UInt8(scalar.value)
                        ? scalar.value + 32 : scalar.value)!
            ]
        }
        var out: [Unicode.Scalar] = []
        for part in String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars {
            switch part.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .spacingMark: continue
            default: out.append(contentsOf: part.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// `string` folded as a whole.
    static func fold(_ string: String) -> [Unicode.Scalar] {
        string.unicodeScalars.flatMap { fold($0) }
    }

    /// How far past the last aligned token the next one is looked for: far enough to step over the text of
    /// tokens that could not be aligned, near enough that a text of unalignable tokens costs linear time.
    static let searchWindow = 256

    /// The first occurrence of `needle` starting at most `searchWindow` scalars after `start`.
    func find(_ needle: [Unicode.Scalar], from start: Int) -> Range<Int>? {
        guard !needle.isEmpty, scalars.count - start >= needle.count else { return nil }
        var position = start
        let last = min(scalars.count - needle.count, start + Self.searchWindow)
        while position <= last {
            if scalars[position] == needle[0]
                && scalars[position..<(position + needle.count)].elementsEqual(needle)
            {
                return position..<(position + needle.count)
            }
            position += 1
        }
        return nil
    }
}
