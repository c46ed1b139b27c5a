import Foundation
import FuseTestSupport

/// Locates `Tests/Fixtures/image` from this source file, so tests run from any working directory.
enum FixtureFiles {
    static let directory = FixturePaths.url("image")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

extension FixtureFiles {
    /// Decodes a JSON fixture index.
    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(name)))
    }

    /// Reads a raw little-endian float32 file.
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: url(name))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// FNV-1a 64-bit of bytes, as lower-case hex (the fingerprint `image_fixtures.py` stores).
    static func fnv64(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
