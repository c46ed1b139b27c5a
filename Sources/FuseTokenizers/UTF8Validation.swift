/// Where UTF-8 bytes stop being well-formed (Unicode's Table 3-7: no overlong forms, no surrogates, nothing
/// beyond U+10FFFF).
public enum UTF8Validation {
    /// The result of scanning bytes.
    public enum Outcome: Sendable, Equatable {
        case valid
        /// The sequence starting at `offset` is ill-formed.
        case invalid(offset: Int)
        /// A well-formed but incomplete sequence starts at `offset` and runs to the end of the bytes (what a
        /// prefix cut mid-character looks like).
        case truncated(offset: Int)
    }

    /// Scans `bytes`; an ASCII run is checked eight bytes at a time.
    public static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return .valid }
        var i = 0
        while i < n {
            // Most text is ASCII: skip it a word at a time.
            while i + 8 <= n {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < n else { break }
            let lead = base[i]
            if lead < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return .invalid(offset: i)
            }
            for k in 1..<length {
                guard i + k < n else { return .truncated(offset: i) }
                let byte = base[i + k]
                let (lo, hi): (UInt8, UInt8) = k == 1 ? (low, high) : (0x80, 0xBF)
                guard byte >= lo && byte <= hi else { return .invalid(offset: i) }
            }
            i += length
        }
        return .valid
    }

    /// Scans an array of bytes.
    public static func check(_ bytes: [UInt8]) -> Outcome {
        bytes.withUnsafeBufferPointer { check($0) }
    }
}
