import Foundation
import FuseTestSupport
import Testing
@testable import AudioFrames

/// Locates `Tests/Fixtures/audio` (written by tools/reference/audio_fixtures.py) and reads its files.
enum AudioFixtures {
    static let root = FixturePaths.url("audio")

    nonisolated(unsafe) static let manifest: [String: Any] = {
        let data = (try? Data(contentsOf: root.appendingPathComponent("manifest.json"))) ?? Data()
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }()

    static func cases(_ key: String) -> [Entry] {
        (manifest[key] as? [[String: Any]] ?? []).map(Entry.init)
    }

    static func file(_ name: String) -> URL { root.appendingPathComponent("files").appendingPathComponent(name) }
    static func bad(_ name: String) -> URL { root.appendingPathComponent("bad").appendingPathComponent(name) }

    /// A little-endian float32 reference array from `ref/`.
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: root.appendingPathComponent("ref").appendingPathComponent(name))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}

/// One fixture case from the manifest (read-only JSON, so sharing it across test tasks is safe).
struct Entry: @unchecked Sendable, CustomTestStringConvertible {
    let json: [String: Any]
    subscript(key: String) -> Any? { json[key] }
    var testDescription: String {
        let keys = ["file", "expected", "folder", "name"]
        return keys.compactMap { json[$0] as? String }.first ?? "case"
    }
}
