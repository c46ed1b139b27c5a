import FuseCore
import Testing

/// SHA-256 (swift-crypto under FuseCore's API): FIPS 180-4's test vectors through the sequence, contiguous and raw-buffer
/// paths and across block boundaries.
@Suite struct SHA256Tests {
    static func hex(_ bytes: [UInt8], split: Int? = nil) -> String {
        var sha = SHA256()
        if let split {
            bytes[..<split].withUnsafeBytes { sha.update(bytes: $0) }
            bytes[split...].withUnsafeBytes { sha.update(bytes: $0) }
        } else {
            sha.update(bytes)
        }
        return sha.finalizeHex()
    }

    @Test func knownAnswers() {
        #expect(Self.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let two = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Self.hex(two) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var lazy = SHA256()  // a sequence without contiguous storage
        lazy.update(Array("abc".utf8).lazy.map { $0 })
        #expect(lazy.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        for split in [0, 1, 63, 64, 65, 999_999] {
            #expect(
                Self.hex(million, split: split)
                    == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        }
    }
}
