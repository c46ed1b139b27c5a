/// One word of a text as GLiNER's whitespace splitter finds it: the regex `\w+(?:[-_]\w+)*|\S` (Python's `re`,
/// whose `\w` is a Unicode letter, digit or number, or `_`), with offsets counted in Unicode scalars (Python's
/// string indices), `end` exclusive.
public struct Word: Sendable, Equatable {
    public let text: String
    public let start: Int
    public let end: Int
}

/// GLiNER's `WhitespaceTokenSplitter` (`gliner/data_processing/tokenizer.py`).
public enum WordSplitter {
    /// The words of `text` in order.
    public static func words(_ text: String) -> [Word] {
        let scalars = Array(text.unicodeScalars)
        var words: [Word] = []
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            if isSpace(scalar) {
                i += 1
                continue
            }
            let start = i
            if isWordCharacter(scalar) {
                // \w+ then any number of ([-_] \w+), the joiner only taken when a word character follows it.
                i += 1
                while true {
                    while i < scalars.count, isWordCharacter(scalars[i]) { i += 1 }
                    if i + 1 < scalars.count, scalars[i] == "-" || scalars[i] == "_", isWordCharacter(scalars[i + 1]) {
                        i += 1
                    } else {
                        break
                    }
                }
            } else {
                i += 1
            }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[start..<i])
            words.append(Word(text: String(piece), start: start, end: i))
        }
        return words
    }

    /// Python's `\w` for str patterns: `str.isalnum()` or `_` — letters (L*), and characters with a numeric value
    /// (Nd, Nl, No).
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return scalar.properties.numericType != nil
        }
    }

    /// Python's `\s` for str patterns (`str.isspace()`): Unicode White_Space plus the separators U+001C…U+001F.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        (0x1C...0x1F).contains(scalar.value) || scalar.properties.isWhitespace
    }
}
