import Foundation
import FuseCore

#if canImport(Glibc)
    import Glibc
#endif

/// A 128-bit digest of a file's bytes that recognises a renamed or moved file without re-embedding it: two
/// independent 64-bit multiply–xorshift lanes over 8-byte words, read in 1 MiB chunks. Not for security (a crafted
/// collision only makes the index reuse another file's vector).
public enum ContentHash {
    static let chunk = 1 << 20

    /// The digest of the file at `path`, as 32 hex digits.
    ///
    /// - Throws: `FuseError.unreadable` naming the file.
    public static func of(path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FuseError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var lanes = Lanes()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buffer.deallocate() }
        // Whole chunks only (a short read is topped up), so every chunk but the last is a multiple of 8 bytes.
        var filled = 0
        while true {
            let count = read(descriptor, buffer.baseAddress! + filled, chunk - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw FuseError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            filled += count
            if filled == chunk || count == 0 {
                lanes.add(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
                if count == 0 { break }
                filled = 0
            }
        }
        return lanes.hex
    }

    /// The digest of bytes in memory (what `of(path:)` computes for a file with these contents).
    public static func of(bytes: [UInt8]) -> String {
        var lanes = Lanes()
        bytes.withUnsafeBytes { lanes.add($0) }
        return lanes.hex
    }

    /// The two lanes and the byte count; chunk boundaries do not change the result (chunks are multiples of 8).
    struct Lanes {
        var a: UInt64 = 0x9e37_79b9_7f4a_7c15
        var b: UInt64 = 0xc2b2_ae3d_27d4_eb4f
        var length: UInt64 = 0

        mutating func add(_ bytes: UnsafeRawBufferPointer) {
            let words = bytes.count / 8
            for index in 0..<words {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                a = (a ^ word) &* 0x0000_0100_0000_01b3
                a ^= a >> 29
                b = (b ^ (word &+ 0x632b_e59b_d9b4_e019)) &* 0x9e37_79b9_7f4a_7c15
                b ^= b >> 31
            }
            var tail: UInt64 = 0
            for index in (words * 8)..<bytes.count {
                tail |= UInt64(bytes[index]) << (8 * UInt64(index - words * 8))
            }
            if bytes.count % 8 != 0 {
                a = (a ^ tail) &* 0x0000_0100_0000_01b3
                b = (b ^ (tail &+ 0x632b_e59b_d9b4_e019)) &* 0x9e37_79b9_7f4a_7c15
            }
            length &+= UInt64(bytes.count)
        }

        var hex: String {
            func finish(_ value: UInt64) -> UInt64 {
                var x = value ^ length
                x = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
                x = (x ^ (x >> 27)) &* 0x94d0_49bb_1331_11eb
                return x ^ (x >> 31)
            }
            let digits = [finish(a), finish(b)].map { String($0, radix: 16) }
            return digits.map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
        }
    }
}
