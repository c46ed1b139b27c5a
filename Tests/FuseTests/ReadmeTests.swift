import Foundation
import Fuse
import Testing

/// README.md's examples cannot rot: its Swift block must be `ReadmeExample.swift` (which this target compiles) and
/// runs here against the bundled model; every line of its checked command-line block runs through the built binary.
/// Needs `tools/setup_models.sh` (README's test command runs it first).
@Suite("README examples")
struct ReadmeTests {
    static let repository = FixtureLocation.root.deletingLastPathComponent().deletingLastPathComponent()
    static let marker = "<!-- ReadmeTests runs each line of the next block"

    static func readme() throws -> String {
        try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// The fenced blocks of `language` in `markdown`, in order, without their fences.
    static func blocks(_ language: String, in markdown: String) -> [String] {
        var blocks: [String] = [], current: [Substring]? = nil
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```" + language {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n")); current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test("the first two lines are the main job on samples/ and .ci/run's test command")
    func firstCommands() throws {
        let bash = try #require(Self.blocks("bash", in: Self.readme()).first)
        let commands = bash.split(separator: "\n").map {
            $0.split(separator: "#")[0].trimmingCharacters(in: .whitespaces)
        }
        #expect(commands.count == 2)
        #expect(commands.first?.contains("fuse --manifest samples/manifest.jsonl") == true)
        let ci = try String(contentsOf: Self.repository.appendingPathComponent(".ci/run"), encoding: .utf8)
        let last = ci.split(separator: "\n").last.map(String.init)
        #expect(commands.count == 2 && last == commands[1], "README's test command must be .ci/run's last line")
    }

    @Test("the Swift example is ReadmeExample.swift and runs: a listed caption, the fused vector is the mean")
    func libraryExample() async throws {
        let swift = try #require(Self.blocks("swift", in: Self.readme()).last(where: { $0.contains("nearestCaption") }))
        let source = try String(
            contentsOf: FixtureLocation.root.deletingLastPathComponent()
                .appendingPathComponent("FuseTests/ReadmeExample.swift"), encoding: .utf8)
        #expect(source.contains(swift), "README's Swift block differs from Tests/FuseTests/ReadmeExample.swift")

        let (caption, fused) = try await nearestCaption(repository: Self.repository)
        #expect(
            ["a man with an old camera on a tripod", "a rocket on the launch pad", "a cup of coffee"]
                .contains(caption))
        // Independently: the normalised sum of the two files' embeddings.
        let runtime = try FuseRuntime(modelDirectory: Self.repository.appendingPathComponent("models/fuse-mini"))
        let parts = try await runtime.embed(
            files: ["samples/images/camera.png", "samples/audio/camera.wav"]
                .map { Self.repository.appendingPathComponent($0) })
        let sum = zip(parts[0].vector, parts[1].vector).map { $0 + $1 }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(fused.dimension == 384)
        let error = zip(fused.vector, sum).map { abs($0 - $1 / norm) }.max() ?? .infinity
        #expect(error < 1e-5, "max abs \(error)")
    }

    @Test("every line of the checked command-line block succeeds through the built fuse binary")
    func commandLineExamples() throws {
        let readme = try Self.readme()
        let tail = try #require(readme.range(of: Self.marker)).upperBound
        let block = try #require(Self.blocks("sh", in: String(readme[tail...])).first)
        let lines = block.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(lines.filter { $0.contains("fuse ") }.count >= 5)
        let binaries = MainCommandTests.binary.deletingLastPathComponent()
        // A scratch working directory that sees the repository's samples/ and models/, so outputs land there.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        for name in ["samples", "models"] {
            try FileManager.default.createSymbolicLink(
                at: work.appendingPathComponent(name),
                withDestinationURL: Self.repository.appendingPathComponent(name))
        }
        // Twice: the block must be rerunnable as it stands.
        for line in lines + lines {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", line]
            process.currentDirectoryURL = work
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = binaries.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment["FUSE_PLUGIN_PATH"] = work.appendingPathComponent("plugins.json").path
            process.environment = environment
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(line)\n\(String(decoding: message, as: UTF8.self))")
        }
        for output in ["groups.jsonl", "groups.png", "horse.npy", "images.safetensors", "shard-0.jsonl"] {
            let url = work.appendingPathComponent("scratch").appendingPathComponent(output)
            #expect(FileManager.default.fileExists(atPath: url.path), "\(output)")
        }
    }
}
