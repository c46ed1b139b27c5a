/// GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes map to themselves, the
/// other 68 bytes to U+0100 and up, in byte order.
enum ByteLevelAlphabet {
    /// `scalars[b]` is the character standing for byte `b`.
    static let scalars: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable { table[b] = UInt32(b) } else { table[b] = next; next += 1 }
        }
        return table
    }()

    /// The UTF-8 bytes of the character standing for each byte.
    static let utf8: [[UInt8]] = scalars.map { value in
        var out: [UInt8] = []
        appendUTF8(value, to: &out)
        return out
    }

    /// Character → byte, for decoding (characters outside the table map to nil).
    static let reverse: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, scalar) in scalars.enumerated() { map[scalar] = UInt8(b) }
        return map
    }()

    /// Appends the byte-level spelling of `bytes` to `out`.
    static func encode(_ bytes: some Sequence<UInt8>, into out: inout [UInt8]) {
        for b in bytes { out.append(contentsOf: utf8[Int(b)]) }
    }
}
