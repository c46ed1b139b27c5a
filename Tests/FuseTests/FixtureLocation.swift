import Foundation

/// The repository's `Tests/Fixtures` folder, found from this file's location (tests never need the network).
enum FixtureLocation {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}
