import Foundation

/// HF tokenizers' decoders: turn tokens back into text. Each works on the token list as HF's `decode_chain`.
indirect enum Decoder: Sendable {
    case byteLevel
    case wordPiece(prefix: String, cleanup: Bool)
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme)
    case replace(pattern: String, content: String)
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    /// BPEDecoder: the end-of-word suffix becomes a space (nothing after the last token).
    case bpe(suffix: String)
    case sequence([Decoder])

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decodeChain($0) }
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                var tokenBytes: [UInt8] = []
                var ok = true
                for scalar in token.unicodeScalars {
                    guard let b = ByteLevelAlphabet.reverse[scalar.value] else { ok = false; break }
                    tokenBytes.append(b)
                }
                bytes.append(contentsOf: ok ? tokenBytes : Array(token.utf8))
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { i, token in
                var t = token
                if i != 0 {
                    // Byte-wise: a "##" followed by a combining mark is not a Character prefix in Swift.
                    if t.utf8.starts(with: prefix.utf8) {
                        t = String(decoding: t.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                    } else {
                        t = " " + t
                    }
                }
                return cleanup ? wordPieceCleanup(t) : t
            }
        case .metaspace(let replacement, let scheme):
            return tokens.enumerated().map { i, token in
                var out = String.UnicodeScalarView()
                for c in token.unicodeScalars {
                    if c == replacement {
                        if !(i == 0 && scheme != .never) { out.append(" ") }
                    } else {
                        out.append(c)
                    }
                }
                return String(out)
            }
        case .replace(let pattern, let content):
            return tokens.map { replacingBytes(in: $0, pattern, with: content) }
        case .byteFallback:
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) {
                    out.append(s)
                } else {
                    out.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                let u = Array(token.utf8)
                if u.count == 6 && token.hasPrefix("<0x") && token.hasSuffix(">"),
                    let b = UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
                {
                    pending.append(b)
                } else {
                    flush()
                    out.append(token)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                var chars = Array(token.unicodeScalars)
                var lead = 0
                while lead < start && lead < chars.count && chars[lead] == content { lead += 1 }
                chars.removeFirst(lead)
                var trail = 0
                while trail < stop && trail < chars.count && chars[chars.count - 1 - trail] == content { trail += 1 }
                chars.removeLast(trail)
                return String(String.UnicodeScalarView(chars))
            }
        case .bpe(let suffix):
            return tokens.enumerated().map { i, token in
                replacingBytes(in: token, suffix, with: i == tokens.count - 1 ? "" : " ")
            }
        }
    }
}

/// WordPiece's clean-up of spaces before punctuation and contractions (HF `decoders::wordpiece::cleanup`).
private func wordPieceCleanup(_ text: String) -> String {
    var s = text
    for (from, to) in [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
        (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ] {
        s = replacingBytes(in: s, from, with: to)
    }
    return s
}

/// Replaces every occurrence of `pattern` by `content`, matching UTF-8 bytes (HF's `str::replace`), not Swift
/// Characters: a suffix followed by a combining mark is still found.
func replacingBytes(in text: String, _ pattern: String, with content: String) -> String {
    let bytes = Array(text.utf8)
    let out = TextPattern.literal(Array(pattern.utf8)).replacing(in: bytes, with: Array(content.utf8))
    return String(decoding: out, as: UTF8.self)
}
