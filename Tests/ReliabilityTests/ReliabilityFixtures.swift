import Foundation
import FuseTestSupport

/// Where the reliability tests find their inputs: `Tests/Fixtures` (found from this file's location) and the
/// repository's `samples/`. Reproducers found by the fuzzers live in `Tests/Fixtures/reliability`.
enum ReliabilityFixtures {
    static let root = FixturePaths.root
    static let samples = FixturePaths.samples

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
    static func reproducer(_ name: String) -> URL { url("reliability/\(name)") }

    /// A fresh scratch folder, removed by the caller.
    static func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-rel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
