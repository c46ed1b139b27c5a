import Foundation
import Testing

/// Locates committed fixtures under `Tests/Fixtures`, found from this file's path so tests run from any directory.
enum Fixtures {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("Fixtures")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("core").path) { return candidate }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures")
    }()

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

/// The largest absolute difference between two equally long arrays (∞ when the lengths differ or a value is NaN).
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let difference = abs(x - y)
        if difference.isNaN { return .infinity }
        worst = max(worst, difference)
    }
    return worst
}

/// The largest |a − b| / (1 + |b|): absolute near zero, relative for large values.
func maxMixedDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let difference = abs(x - y) / (1 + abs(y))
        if difference.isNaN { return .infinity }
        worst = max(worst, difference)
    }
    return worst
}
