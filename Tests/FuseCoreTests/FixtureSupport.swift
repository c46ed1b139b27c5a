import Foundation
import FuseTestSupport
import Testing

/// Locates committed fixtures under `Tests/Fixtures`, found from this file's path so tests run from any directory.
enum Fixtures {
    static let root = FixturePaths.root

    static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// The `cases` of a kernel fixture file written by `tools/reference/core_kernels.py`.
    static func kernelCases<Case: Decodable>(_ name: String, as type: Case.Type = Case.self) throws -> [Case] {
        let data = try Data(contentsOf: url("core/kernels/\(name).json"))
        return try JSONDecoder().decode(KernelFixtureFile<Case>.self, from: data).cases
    }
}

struct KernelFixtureFile<Case: Decodable>: Decodable {
    let cases: [Case]
}
