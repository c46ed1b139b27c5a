import Foundation

/// SentencePiece's compiled normalization rules (`precompiled_charsmap`, e.g. `nmt_nfkc`), applied as HF
/// tokenizers' `Precompiled` normalizer (crate `spm_precompiled`) applies them.
///
/// The map is `[u32 trie size in bytes][trie: little-endian u32 units][replacement strings, each ended by NUL]`.
/// The trie is a Darts double array over UTF-8 bytes whose leaves hold offsets into the replacement strings.
/// Text is walked by extended grapheme cluster: a cluster shorter than 6 bytes that some map key prefixes is
/// replaced whole by the replacement of the *shortest* such key (HF's rule, kept for exactness); otherwise each
/// character of the cluster is replaced by its own shortest-prefix replacement, or kept.
struct PrecompiledCharsmap: Sendable {
    let units: [UInt32]
    let replacements: [UInt8]

    /// Parses a decoded map; `file` names the tokenizer in errors.
    init(_ bytes: [UInt8], file: String) throws {
        func fail(_ reason: String) -> TokenizerError { .invalidPrecompiledCharsmap(file: file, reason: reason) }
        guard bytes.count >= 4 else { throw fail("is \(bytes.count) bytes, shorter than its 4-byte trie size") }
        let trieBytes = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        let unitCount = trieBytes / 4
        guard unitCount <= (bytes.count - 4) / 4 else {
            throw fail("is truncated: its trie takes \(trieBytes) bytes but only \(bytes.count - 4) follow the size")
        }
        guard unitCount > 0 else { throw fail("holds an empty trie") }
        var units = [UInt32](repeating: 0, count: unitCount)
        for i in 0..<unitCount {
            let at = 4 + 4 * i
            units[i] =
                UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
                | UInt32(bytes[at + 3]) << 24
        }
        let rest = Array(bytes[(4 + 4 * unitCount)...])
        guard String(validating: rest, as: UTF8.self) != nil else {
            throw fail("has replacement strings that are not UTF-8")
        }
        self.units = units
        self.replacements = rest
    }

    /// Decodes the base64 `precompiled_charsmap` of a tokenizer.json and parses it.
    init(base64 text: String, file: String) throws {
        guard let data = Data(base64Encoded: text) else {
            throw TokenizerError.invalidPrecompiledCharsmap(file: file, reason: "is not base64")
        }
        try self.init(Array(data), file: file)
    }

    /// The replacement of the shortest map key that prefixes `key` (up to its first NUL), if any. A leaf pointing
    /// outside the replacement strings, or into the middle of a character, counts as no match (HF would panic).
    func replacement(_ key: UnsafeBufferPointer<UInt8>) -> ArraySlice<UInt8>? {
        guard let offset = shortestPrefixValue(key), offset < replacements.count else { return nil }
        guard replacements[offset] & 0xC0 != 0x80 else { return nil }
        var end = offset
        while end < replacements.count && replacements[end] != 0 { end += 1 }
        return replacements[offset..<end]
    }

    /// Darts' `commonPrefixSearch`, stopped at its first result.
    private func shortestPrefixValue(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        @inline(__always) func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }
        var node = offset(units[0])
        for byte in key {
            if byte == 0 { return nil }
            node ^= Int(byte)
            guard node < units.count else { return nil }
            let unit = units[node]
            guard unit & ((1 << 31) | 0xFF) == UInt32(byte) else { return nil }
            node ^= offset(unit)
            guard node < units.count else { return nil }
            if (unit >> 8) & 1 == 1 { return Int(units[node] & ((1 << 31) - 1)) }
        }
        return nil
    }

    /// Normalizes UTF-8 text.
    func apply(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.isEmpty { return bytes }
        let text = String(decoding: bytes, as: UTF8.self)
        // Repaired (ill-formed) input would shift the cluster offsets: walk the repaired bytes then.
        let source = text.utf8.count == bytes.count ? bytes : Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(source.count + 8)
        source.withUnsafeBufferPointer { buf in
            var at = 0
            for character in text {
                let end = at + character.utf8.count
                if end - at < 6, let mapped = replacement(UnsafeBufferPointer(rebasing: buf[at..<end])) {
                    out.append(contentsOf: mapped)
                } else {
                    var i = at
                    while i < end {
                        let next = min(i + utf8Length(lead: buf[i]), end)
                        let part = UnsafeBufferPointer(rebasing: buf[i..<next])
                        if let mapped = replacement(part) {
                            out.append(contentsOf: mapped)
                        } else {
                            out.append(contentsOf: part)
                        }
                        i = next
                    }
                }
                at = end
            }
        }
        return out
    }
}
