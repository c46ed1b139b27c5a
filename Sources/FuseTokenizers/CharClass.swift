/// Unicode classes the hand-written pre-tokenizers and normalizers need, as bit flags per code point.
///
/// The regular expressions of GPT-2 and CLIP (`\p{L}`, `\p{N}`, `\s`) and BERT's rules (punctuation, control,
/// CJK) are evaluated from this table instead of a regex engine: the BMP and the SMP (emoji, historic scripts) are
/// classified once into 64 Ki-entry tables (the SMP's on first use), other astral code points go through
/// `Unicode.Scalar.Properties`. Every class follows the Unicode version of the HF code it stands for, not the
/// toolchain's (17.0 with Swift 6.3): the regex classes are Unicode 16.0 (`regexUnicodeMajor`), BERT's classes and
/// StripAccents' marks the older tables HF's Rust crates use (`FrozenUnicode`).
enum CharClass {
    typealias Flags = UInt16
    static let letter: Flags = 1  // \p{L}
    static let number: Flags = 2  // \p{N}
    static let space: Flags = 4  // \s: the White_Space property (what Oniguruma and Rust's is_whitespace use)
    static let punctuation: Flags = 8  // HF's is_bert_punc / is_punc: ASCII punctuation or P* in Unicode 8.0
    static let word: Flags = 16  // \w of Rust's regex crate: Alphabetic, M*, Nd, Pc, Join_Control
    static let control: Flags = 32  // HF's is_other: Cc, Cf, Co in Unicode 8.0 (not Cn: unassigned is kept)
    static let cjk: Flags = 64  // BERT's "Chinese character" blocks
    static let numeric: Flags = 128  // Rust's char::is_numeric (Digits): N* in Rust's own Unicode, 17.0 as ours
    static let bertAccent: Flags = 256  // BertNormalizer's strip_accents: Mn in Unicode 8.0
    static let combiningMark: Flags = 512  // StripAccents' is_combining_mark: Mn, Mc, Me in Unicode 9.0
    static let afterUnicode9: Flags = 1024  // assigned after 9.0: unknown to HF's normalization (NFD, NFC …) tables

    /// The newest Unicode major version HF's regex engines (Oniguruma, Rust's regex crate) know: a character
    /// assigned later is in none of their classes (`\p{L}`, `\p{N}`, `\w`). Rust's `char` methods (is_numeric,
    /// is_whitespace, to_lowercase) are 17.0 in tokenizers 0.23, as Swift 6.3's properties, so those are not gated.
    static let regexUnicodeMajor = 16

    /// U+0000–U+00FF, classified on first use; the rest of the BMP only when such a character first appears, so
    /// Latin-1 text never pays for the 64 Ki-entry table (≈ 70 ms of a process's start).
    private static let latin1: [Flags] = (0...UInt8.max).map { compute(Unicode.Scalar($0)) }
    private static let bmp: [Flags] = table(plane: 0)
    private static let smp: [Flags] = table(plane: 1)

    private static func table(plane: UInt32) -> [Flags] {
        var table = [Flags](repeating: 0, count: 0x10000)
        for low in 0..<UInt32(0x10000) {
            // Surrogates (no scalar) never reach here from valid UTF-8; they get no class.
            if let scalar = Unicode.Scalar(plane << 16 | low) { table[Int(low)] = compute(scalar) }
        }
        return table
    }

    @inline(__always)
    static func of(_ value: UInt32) -> Flags {
        if value < 0x100 { return latin1.withUnsafeBufferPointer { $0[Int(value)] } }
        if value < 0x10000 { return bmp.withUnsafeBufferPointer { $0[Int(value)] } }
        if value < 0x20000 { return smp.withUnsafeBufferPointer { $0[Int(value & 0xFFFF)] } }
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        return compute(scalar)
    }

    private static func compute(_ scalar: Unicode.Scalar) -> Flags {
        let props = scalar.properties
        var flags: Flags = 0
        let category = props.generalCategory
        switch category {
        case .decimalNumber, .letterNumber, .otherNumber: flags |= numeric
        default: break
        }
        if let age = props.age, age.major <= regexUnicodeMajor {
            switch category {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                flags |= letter
            case .decimalNumber, .letterNumber, .otherNumber:
                flags |= number
            default:
                break
            }
            if props.isAlphabetic || props.isJoinControl || FrozenUnicode.isMark(category)
                || category == .decimalNumber || category == .connectorPunctuation
            {
                flags |= word
            }
        }
        if props.isWhitespace { flags |= space }
        let v = scalar.value
        let unicode8 = FrozenUnicode.generalCategory(scalar, in: .v8_0)
        if FrozenUnicode.isOther8(unicode8) { flags |= control }
        if FrozenUnicode.isPunctuation8(unicode8)
            || (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
        {
            flags |= punctuation
        }
        if unicode8 == .nonspacingMark { flags |= bertAccent }
        let unicode9 = FrozenUnicode.generalCategory(scalar, in: .v9_0)
        if FrozenUnicode.isMark(unicode9) { flags |= combiningMark }
        if unicode9 == nil && props.age != nil { flags |= afterUnicode9 }
        if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B920...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
        {
            flags |= cjk
        }
        return flags
    }
}

/// Decodes the scalar starting at `i` of valid UTF-8 `bytes`: its value and its length in bytes.
@inline(__always)
func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (value: UInt32, length: Int) {
    let b0 = UInt32(bytes[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2) }
    if b0 < 0xF0 {
        return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
    }
    return (
        (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
            | UInt32(bytes[i + 3] & 0x3F), 4
    )
}

/// Length in bytes of the UTF-8 sequence that starts with `lead`.
@inline(__always)
func utf8Length(lead: UInt8) -> Int {
    lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
}

/// Appends the UTF-8 encoding of `value` to `out`.
@inline(__always)
func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
    if value < 0x80 {
        out.append(UInt8(value))
    } else if value < 0x800 {
        out.append(UInt8(0xC0 | value >> 6)); out.append(UInt8(0x80 | value & 0x3F))
    } else if value < 0x10000 {
        out.append(UInt8(0xE0 | value >> 12)); out.append(UInt8(0x80 | value >> 6 & 0x3F))
        out.append(UInt8(0x80 | value & 0x3F))
    } else {
        out.append(UInt8(0xF0 | value >> 18)); out.append(UInt8(0x80 | value >> 12 & 0x3F))
        out.append(UInt8(0x80 | value >> 6 & 0x3F)); out.append(UInt8(0x80 | value & 0x3F))
    }
}

/// Finds the first invalid UTF-8 byte, or nil when all of `bytes` is valid UTF-8.
func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var i = 0
    let n = bytes.count
    while i < n {
        let b0 = bytes[i]
        if b0 < 0x80 { i += 1; continue }
        let len: Int
        var minValue: UInt32
        var value: UInt32
        if b0 >= 0xC2 && b0 < 0xE0 {
            len = 2; value = UInt32(b0 & 0x1F); minValue = 0x80
        } else if b0 >= 0xE0 && b0 < 0xF0 {
            len = 3; value = UInt32(b0 & 0x0F); minValue = 0x800
        } else if b0 >= 0xF0 && b0 < 0xF5 {
            len = 4; value = UInt32(b0 & 0x07); minValue = 0x10000
        } else {
            return i
        }
        guard i + len <= n else { return i }
        for k in 1..<len {
            let b = bytes[i + k]
            guard b & 0xC0 == 0x80 else { return i }
            value = value << 6 | UInt32(b & 0x3F)
        }
        if value < minValue || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) { return i }
        i += len
    }
    return nil
}
