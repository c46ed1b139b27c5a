import Foundation

extension JSONErrorReason {
    /// `data` with every UTF-8 byte-order mark after its first byte (EF BB BF, U+FEFF) written as the escape
    /// `\ufeff` instead. Foundation's `JSONSerialization` on Linux drops a raw U+FEFF that begins a string (a key or
    /// a value: `"\u{FEFF}"` reads as `""`, `"\u{FEFF}z"` as `"z"`), while the escaped form reads back whole. Such
    /// strings are real: SentencePiece vocabularies hold the piece U+FEFF, written raw by HF tokenizers. Outside
    /// strings a raw U+FEFF is no JSON either way, so the rewrite changes no valid document's meaning; a leading one
    /// (offset 0, a file's byte-order mark) is left for the parser, which skips it.
    static func escapingInnerByteOrderMarks(_ data: Data) -> Data {
        data.withUnsafeBytes { raw -> Data in
            let bytes = raw.bindMemory(to: UInt8.self)
            var i = 1
            var firstMark = -1
            while i + 2 < bytes.count {
                if bytes[i] == 0xEF && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF { firstMark = i; break }
                i += 1
            }
            guard firstMark >= 0 else { return data }
            var out = Data(capacity: bytes.count + 16)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<firstMark]))
            let escape = Array(#"\ufeff"#.utf8)
            i = firstMark
            while i < bytes.count {
                if i + 2 < bytes.count && bytes[i] == 0xEF && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF {
                    out.append(contentsOf: escape); i += 3
                } else {
                    out.append(bytes[i]); i += 1
                }
            }
            return out
        }
    }
}
