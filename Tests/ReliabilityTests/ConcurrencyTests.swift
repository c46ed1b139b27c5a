import AudioFrames
import Foundation
import Fuse
import ImagePatch
import Testing

/// The library API used from 16 tasks at once gives exactly what sequential calls give. The real decoders run
/// (libsndfile and libpng/libjpeg through the built-in plugins) with the AST and CLIP fixture models. Run under
/// Thread Sanitizer with `swift test --sanitize=thread --filter ReliabilityTests.ConcurrencyTests` (docs/RELIABILITY.md).
@Suite("Reliability: concurrency")
struct ConcurrencyTests {
    static func files(_ folder: String, extensions: Set<String>) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(
            at: ReliabilityFixtures.samples.appendingPathComponent(folder), includingPropertiesForKeys: nil
        )
        .filter { extensions.contains($0.pathExtension) }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Embeds `files[task % count]` from 16 concurrent tasks and compares each result with the sequential one.
    /// The same input takes the same code path with the same split of work, so the vectors must be identical
    /// (tolerance 0, checked element by element).
    static func checkConcurrentEqualsSequential(_ runtime: FuseRuntime, files: [URL]) async throws {
        var sequential: [[Float]] = []
        for file in files { sequential.append(try await runtime.embed(file: file).vector) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for task in 0..<16 {
                let index = task % files.count
                group.addTask { (index, try await runtime.embed(file: files[index]).vector) }
            }
            return try await group.reduce(into: [(Int, [Float])]()) { $0.append($1) }
        }
        #expect(concurrent.count == 16)
        for (index, vector) in concurrent {
            #expect(vector == sequential[index], "\(files[index].lastPathComponent) differs when run concurrently")
        }
        // The batch API, which itself decodes on all cores, agrees too.
        let batch = try await runtime.embed(files: files)
        for (index, embedding) in batch.enumerated() {
            let difference = zip(embedding.vector, sequential[index]).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-5, "\(files[index].lastPathComponent): batch differs by \(difference)")
        }
    }

    @Test("audio: 16 tasks embedding samples/audio through the AST model equal sequential calls")
    func audio() async throws {
        let runtime = try FuseRuntime(
            modelDirectory: ReliabilityFixtures.url("models/ast"),
            plugins: [AudioPlugin()])
        let files = try Self.files("audio", extensions: ["wav", "flac"])
        #expect(files.count >= 8)
        try await Self.checkConcurrentEqualsSequential(runtime, files: files)
    }

    @Test("images: 16 tasks embedding samples/images through the CLIP model equal sequential calls")
    func images() async throws {
        let runtime = try FuseRuntime(
            modelDirectory: ReliabilityFixtures.url("models/clip"),
            plugins: [ImagePlugin()])
        let files = try Self.files("images", extensions: ["png", "jpg"])
        #expect(files.count >= 6)
        try await Self.checkConcurrentEqualsSequential(runtime, files: files)
    }
}
