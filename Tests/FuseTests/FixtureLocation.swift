import Foundation
import FuseTestSupport

/// The repository's `Tests/Fixtures` folder, found from this file's location (tests never need the network).
enum FixtureLocation {
    static let root = FixturePaths.root

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}
