import Foundation

/// A text pattern of a `Replace` normalizer or decoder, or of a `Split` pre-tokenizer.
enum TextPattern: Sendable {
    /// A literal string.
    case literal([UInt8])
    /// `\s+`: a run of White_Space characters (CLIP's whitespace collapse), matched without a regex engine.
    case whitespaceRun
    /// Any other regular expression, through Foundation (slower; correct for the common syntax).
    case regex(RegexBox)
}

/// NSRegularExpression is immutable once built and safe to share for matching.
final class RegexBox: @unchecked Sendable {
    let pattern: String
    let regex: NSRegularExpression
    init(_ pattern: String, file: String) throws {
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw TokenizerError.invalidRegex(file: file, pattern: pattern, reason: "\(error)")
        }
        self.pattern = pattern
    }

    /// Byte ranges of all matches in UTF-8 `bytes`.
    func matches(in bytes: [UInt8]) -> [Range<Int>] {
        let string = String(decoding: bytes, as: UTF8.self)
        let ns = string as NSString
        var ranges: [Range<Int>] = []
        let utf16 = Array(string.utf16)
        // Map UTF-16 offsets back to UTF-8 byte offsets.
        var byteOffset = [Int](repeating: 0, count: utf16.count + 1)
        var b = 0
        var u = 0
        for scalar in string.unicodeScalars {
            let units = scalar.value > 0xFFFF ? 2 : 1
            for k in 0..<units { byteOffset[u + k] = b }
            u += units
            b += scalar.value < 0x80 ? 1 : scalar.value < 0x800 ? 2 : scalar.value < 0x10000 ? 3 : 4
        }
        byteOffset[utf16.count] = b
        for match in regex.matches(in: string, range: NSRange(location: 0, length: ns.length))
        where match.range.length > 0 {
            ranges.append(byteOffset[match.range.location]..<byteOffset[match.range.location + match.range.length])
        }
        return ranges
    }
}

extension TextPattern {
    /// Byte ranges of the non-overlapping matches, left to right.
    func matches(in bytes: [UInt8]) -> [Range<Int>] {
        switch self {
        case .literal(let needle):
            guard !needle.isEmpty, bytes.count >= needle.count else { return [] }
            var ranges: [Range<Int>] = []
            var i = 0
            while i + needle.count <= bytes.count {
                if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                    ranges.append(i..<(i + needle.count)); i += needle.count
                } else {
                    i += 1
                }
            }
            return ranges
        case .whitespaceRun:
            var ranges: [Range<Int>] = []
            bytes.withUnsafeBufferPointer { buf in
                var i = 0
                var runStart = -1
                while i < buf.count {
                    let (value, length) = decodeScalar(buf, i)
                    if CharClass.of(value) & CharClass.space != 0 {
                        if runStart < 0 { runStart = i }
                    } else if runStart >= 0 {
                        ranges.append(runStart..<i); runStart = -1
                    }
                    i += length
                }
                if runStart >= 0 { ranges.append(runStart..<buf.count) }
            }
            return ranges
        case .regex(let box):
            return box.matches(in: bytes)
        }
    }

    /// `bytes` with every match replaced by `content`.
    func replacing(in bytes: [UInt8], with content: [UInt8]) -> [UInt8] {
        let ranges = matches(in: bytes)
        guard !ranges.isEmpty else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var last = 0
        for range in ranges {
            out.append(contentsOf: bytes[last..<range.lowerBound])
            out.append(contentsOf: content)
            last = range.upperBound
        }
        out.append(contentsOf: bytes[last...])
        return out
    }
}

/// HF tokenizers' normalizers, applied to the UTF-8 bytes of each text segment between added tokens.
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    /// BertNormalizer: clean control characters, space out CJK, strip accents, lower-case.
    case bert(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool)
    /// Removes combining marks, Mn/Mc/Me of Unicode 9.0 (put after NFD, as HF's StripAccents expects).
    case stripAccents
    /// Removes leading and/or trailing whitespace.
    case strip(left: Bool, right: Bool)
    case replace(TextPattern, content: [UInt8])
    /// Prepends a string to non-empty text.
    case prepend([UInt8])
    /// SentencePiece's compiled char map (`Precompiled`), see `PrecompiledCharsmap`.
    case precompiled(PrecompiledCharsmap)
    case sequence([Normalizer])

    func apply(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .nfc: return unicodeNormalized(bytes) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: return unicodeNormalized(bytes) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc: return unicodeNormalized(bytes) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd: return unicodeNormalized(bytes) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase: return lowercased(bytes)
        case .bert(let clean, let chinese, let strip, let lower):
            return bertNormalized(
                bytes, cleanText: clean, handleChineseChars: chinese, stripAccents: strip,
                lowercase: lower)
        case .stripAccents: return filterScalars(bytes) { CharClass.of($0) & CharClass.combiningMark == 0 }
        case .strip(let left, let right): return stripped(bytes, left: left, right: right)
        case .replace(let pattern, let content): return pattern.replacing(in: bytes, with: content)
        case .prepend(let prefix): return bytes.isEmpty ? bytes : prefix + bytes
        case .precompiled(let charsmap): return charsmap.apply(bytes)
        case .sequence(let steps):
            var current = bytes
            for step in steps { current = step.apply(current) }
            return current
        }
    }
}

@inline(__always)
func isASCII(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { buf in
        var acc: UInt8 = 0
        for b in buf { acc |= b }
        return acc < 0x80
    }
}

/// NFD, NFC, NFKD or NFKC as HF computes them: its `unicode-normalization-alignments` tables are Unicode 9.0, so a
/// character assigned later has no decomposition, no combining class and composes with nothing there (U+11938
/// stays whole, U+11935 U+11930 do not compose, a newer mark is not reordered). Such characters are copied as they
/// are and the text between them is normalized piece by piece, which is exact: to HF each is a starter that
/// blocks reordering and composition across it, and for older characters Foundation's newer tables agree (the
/// mappings and classes of assigned characters never change).
private func unicodeNormalized(_ bytes: [UInt8], _ transform: (String) -> String) -> [UInt8] {
    if isASCII(bytes) { return bytes }
    func normalize(_ part: ArraySlice<UInt8>) -> String.UTF8View {
        transform(String(decoding: part, as: UTF8.self)).utf8
    }
    var out: [UInt8] = []
    var segmentStart = 0
    bytes.withUnsafeBufferPointer { buf in
        var i = 0
        while i < buf.count {
            if buf[i] < 0x80 { i += 1; continue }
            let (value, length) = decodeScalar(buf, i)
            if CharClass.of(value) & CharClass.afterUnicode9 != 0 {
                out.append(contentsOf: normalize(bytes[segmentStart..<i]))
                out.append(contentsOf: buf[i..<(i + length)])
                segmentStart = i + length
            }
            i += length
        }
    }
    if segmentStart == 0 { return Array(normalize(bytes[...])) }
    out.append(contentsOf: normalize(bytes[segmentStart...]))
    return out
}

/// Per-scalar lower-casing (Rust's `char::to_lowercase`, no context-dependent final sigma).
func lowercased(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    bytes.withUnsafeBufferPointer { buf in
        var i = 0
        while i < buf.count {
            let b = buf[i]
            if b < 0x80 {
                out.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b); i += 1; continue
            }
            let (value, length) = decodeScalar(buf, i)
            if let scalar = Unicode.Scalar(value), scalar.properties.changesWhenLowercased {
                out.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else {
                out.append(contentsOf: buf[i..<(i + length)])
            }
            i += length
        }
    }
    return out
}

private func filterScalars(_ bytes: [UInt8], keep: (UInt32) -> Bool) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    bytes.withUnsafeBufferPointer { buf in
        var i = 0
        while i < buf.count {
            let (value, length) = decodeScalar(buf, i)
            if keep(value) { out.append(contentsOf: buf[i..<(i + length)]) }
            i += length
        }
    }
    return out
}

private func stripped(_ bytes: [UInt8], left: Bool, right: Bool) -> [UInt8] {
    var scalars: [(Int, Int, Bool)] = []
    bytes.withUnsafeBufferPointer { buf in
        var i = 0
        while i < buf.count {
            let (value, length) = decodeScalar(buf, i)
            scalars.append((i, length, CharClass.of(value) & CharClass.space != 0))
            i += length
        }
    }
    var lo = 0
    var hi = scalars.count
    if left { while lo < hi && scalars[lo].2 { lo += 1 } }
    if right { while hi > lo && scalars[hi - 1].2 { hi -= 1 } }
    guard lo < hi else { return [] }
    return Array(bytes[scalars[lo].0..<(scalars[hi - 1].0 + scalars[hi - 1].1)])
}

/// BertNormalizer, in HF's order: clean text, pad CJK characters, strip accents (NFD, drop Mn), lower-case;
/// its character classes are HF's Unicode 8.0 ones (`FrozenUnicode`).
private func bertNormalized(
    _ bytes: [UInt8], cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool,
    lowercase: Bool
) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 8)
    var sawNonASCII = false
    bytes.withUnsafeBufferPointer { buf in
        var i = 0
        while i < buf.count {
            let (value, length) = decodeScalar(buf, i)
            i += length
            if value >= 0x80 { sawNonASCII = true }
            let flags = CharClass.of(value)
            if cleanText {
                // HF filters controls first (tab, LF and CR are not controls there), then maps whitespace.
                // Unassigned code points (Cn, and anything newer than HF's Unicode 8.0 tables) are kept.
                let isTabOrNewline = value == 9 || value == 10 || value == 13
                if value == 0 || value == 0xFFFD || (!isTabOrNewline && flags & CharClass.control != 0) { continue }
                if isTabOrNewline || flags & CharClass.space != 0 { out.append(0x20); continue }
            }
            if handleChineseChars && flags & CharClass.cjk != 0 {
                out.append(0x20); appendUTF8(value, to: &out); out.append(0x20); continue
            }
            appendUTF8(value, to: &out)
        }
    }
    if stripAccents && sawNonASCII {
        out = filterScalars(Normalizer.nfd.apply(out)) { CharClass.of($0) & CharClass.bertAccent == 0 }
    }
    if lowercase { out = lowercased(out) }
    return out
}
