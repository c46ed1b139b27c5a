import Foundation
import Testing
@testable import Fuse

/// Files and runtimes for the main-job tests: the tiny Meta-Transformer (image, audio and text towers) with the
/// built-in image and audio plugins and a test plugin reading `.ids` files (whitespace-separated token ids).
enum JobFixtures {
    static let samples = FixtureLocation.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    static func sample(_ path: String) -> URL { samples.appendingPathComponent(path) }

    static func runtime(_ model: String = "meta") throws -> FuseRuntime {
        try FuseRuntime(
            modelDirectory: RuntimeFixtures.models.appendingPathComponent(model),
            plugins: BuiltinPlugins.all + [TokenIDsPlugin()])
    }

    /// A fresh folder under the system's temporary directory.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `.ids` files (ids below the tiny text tower's vocabulary of 101) into `folder`.
    static func idFiles(_ count: Int, in folder: URL) throws -> [URL] {
        try (0..<count).map { index in
            let url = folder.appendingPathComponent("text-\(index).ids")
            let ids = (0..<(3 + index % 5)).map { String((7 * index + 13 * $0) % 100 + 1) }
            try Data(ids.joined(separator: " ").utf8).write(to: url)
            return url
        }
    }

    static func write(_ text: String, to url: URL) throws { try Data(text.utf8).write(to: url) }

    static func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func run(_ options: JobOptions, runtime: FuseRuntime? = nil) async throws -> JobSummary {
        try await FuseJob(runtime: runtime ?? self.runtime(), options: options).run()
    }

    static let imageAudio: [InputGroup] = [
        InputGroup(name: "cat", inputs: [sample("images/cat.png"), sample("audio/cat.wav")]),
        InputGroup(name: "horse", inputs: [sample("images/horse.png"), sample("audio/horse.wav")]),
        InputGroup(name: "rocket", inputs: [sample("images/rocket.jpg"), sample("audio/rocket.wav")]),
    ]
}
