import Foundation
import Testing
import Fuse
@testable import FuseLENS

/// The bad inputs issue 8 lists — empty vocabulary, duplicates, a model without an image (or text, or audio) tower,
/// a corrupt cache — plus unreadable files and invalid parameters, each with its named error.
@Suite struct LENSBadInputTests {
    static let fixtures = LENSEndToEndTests.lens.deletingLastPathComponent()

    static func temporaryFile(_ contents: Data, name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-lens-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url)
        return url
    }

    @Test func emptyVocabularyFileIsNamed() throws {
        let url = try Self.temporaryFile(Data("\n   \n# only a comment\n".utf8), name: "empty-tags.txt")
        #expect(throws: LENSError.emptyVocabulary(name: "empty-tags.txt")) {
            try DescriptorVocabulary(contentsOf: url)
        }
    }

    @Test func missingAndNonUTF8VocabularyFilesAreUnreadable() throws {
        let binary = try Self.temporaryFile(Data([0x66, 0xff, 0xfe, 0x0a]), name: "latin.txt")
        for url in [binary, URL(fileURLWithPath: "/nonexistent/tags.txt")] {
            #expect {
                try DescriptorVocabulary(contentsOf: url)
            } throws: { error in
                guard case LENSError.unreadableVocabulary(let path, _) = error else { return false }
                return path == url.path
            }
        }
    }

    @Test func duplicateEntriesInAFileAreKeptOnceAndReported() throws {
        let url = try Self.temporaryFile(Data("cat\ndog\ncat\n  dog\nbird\n".utf8), name: "dups.txt")
        let vocabulary = try DescriptorVocabulary(contentsOf: url)
        #expect(vocabulary.entries == ["cat", "dog", "bird"])
        #expect(vocabulary.duplicates == ["cat", "dog"])
    }

    @Test func modelWithoutAnImageTowerIsRefusedBeforeAnyWork() async throws {
        // The tiny BERT embeds text only.
        let runtime = try FuseRuntime(
            modelDirectory: Self.fixtures.appendingPathComponent("models/bert"),
            plugins: BuiltinPlugins.all)
        let cache = LENSEndToEndTests.temporaryCache()
        await #expect {
            _ = try await Describer.prepare(embedder: runtime, cache: cache)
        } throws: { error in
            guard case LENSError.noImageTower(let model) = error else { return false }
            return model == "bert"
        }
        #expect(!FileManager.default.fileExists(atPath: cache.directory.path), "nothing may be embedded or cached")
    }

    @Test func modelWithoutATextTowerIsRefused() async throws {
        // The tiny ViT embeds images only: there is no space to embed tags in.
        let runtime = try FuseRuntime(
            modelDirectory: Self.fixtures.appendingPathComponent("models/vit"),
            plugins: BuiltinPlugins.all)
        await #expect {
            _ = try await Describer.prepare(embedder: runtime, cache: LENSEndToEndTests.temporaryCache())
        } throws: { error in
            guard case LENSError.noTextTower = error else { return false }
            return true
        }
    }

    @Test func audioInputToAModelWithoutAnAudioTowerIsRefused() async throws {
        let runtime = try LENSEndToEndTests.runtime()
        let tags = try DescriptorVocabulary(name: "t", lines: ["cat", "dog"])
        let describer = try await Describer.prepare(
            embedder: runtime, tags: tags, attributes: tags,
            cache: LENSEndToEndTests.temporaryCache())
        let wav = LENSEndToEndTests.repository.appendingPathComponent("samples/audio/cat.wav")
        await #expect {
            _ = try await describer.describe([LENSEndToEndTests.imageURLs[0], wav])
        } throws: { error in
            guard case LENSError.noAudioTower = error else { return false }
            return true
        }
    }

    @Test(arguments: [0, -3])
    func topKBelowOneIsRefused(k: Int) async throws {
        var options = Describer.Options()
        options.topK = k
        let embedder = CountingEmbedder(modelID: "m")
        await #expect(throws: LENSError.invalidParameter("top-k must be at least 1, got \(k)")) {
            _ = try await Describer.prepare(
                embedder: embedder, options: options,
                cache: LENSEndToEndTests.temporaryCache())
        }
        #expect(embedder.textCalls == 0)
    }

    @Test(arguments: [Float.nan, 1.5, -2])
    func thresholdOutsideTheCosineRangeIsRefused(threshold: Float) async throws {
        var options = Describer.Options()
        options.threshold = threshold
        await #expect {
            _ = try await Describer.prepare(
                embedder: CountingEmbedder(modelID: "m"), options: options,
                cache: LENSEndToEndTests.temporaryCache())
        } throws: { error in
            guard case LENSError.invalidParameter(let reason) = error else { return false }
            return reason.contains("threshold")
        }
    }

    /// A truncated cache file, one whose stored entries differ (a stale or tampered file under the right name) and
    /// a well-formed one holding NaNs are all rebuilt from the model, reported, and give a fresh build's embeddings.
    @Test(arguments: ["truncated", "other entries", "NaN values"])
    func corruptCacheOfARealModelIsRebuilt(damage: String) async throws {
        let runtime = try LENSEndToEndTests.runtime()
        let cache = LENSEndToEndTests.temporaryCache()
        let vocabulary = try DescriptorVocabulary(name: "tags", lines: ["cat", "horse", "old camera"])
        let fresh = try await cache.embeddings(for: vocabulary, template: "a photo of {}", embedder: runtime)
        let url = cache.fileURL(for: vocabulary, modelID: runtime.modelID, template: "a photo of {}")
        let bytes = try Data(contentsOf: url)
        switch damage {
        case "truncated":
            try bytes.prefix(bytes.count / 2).write(to: url)
        case "NaN values":
            let nan = try Tensor(shape: fresh.shape, values: [Float](repeating: .nan, count: fresh.scalars.count))
            try SafetensorsWriter.write(
                ["embeddings": nan],
                metadata: [
                    "model": runtime.modelID, "template": "a photo of {}",
                    "entries": vocabulary.entries.joined(separator: "\n"),
                ],
                to: url, overwrite: true)
        default:
            let other = try DescriptorVocabulary(name: "tags", lines: ["dog", "cow", "new phone"])
            let otherEmbeddings = try await cache.embeddings(for: other, template: "a photo of {}", embedder: runtime)
            try SafetensorsWriter.write(
                ["embeddings": otherEmbeddings],
                metadata: [
                    "model": runtime.modelID, "template": "a photo of {}",
                    "entries": other.entries.joined(separator: "\n"),
                ],
                to: url, overwrite: true)
        }
        let reported = Flag()
        let rebuilt = try await cache.embeddings(for: vocabulary, template: "a photo of {}", embedder: runtime) {
            event in
            if case .rebuiltCorrupt = event { reported.set() }
        }
        #expect(reported.isSet)
        #expect(rebuilt.scalars == fresh.scalars)
    }

    @Test func modelFingerprintFollowsTheWeights() throws {
        let source = LENSEndToEndTests.lens.appendingPathComponent("clip")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fuse-lens-fp-\(UUID().uuidString)/clip")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: copy)
        let original = ModelFingerprint.id(of: source)
        #expect(ModelFingerprint.id(of: copy) == original, "same files, same id")
        #expect(original.hasPrefix("clip-"))
        #expect(
            ModelFingerprint.id(of: Self.fixtures.appendingPathComponent("models/clip")) != original,
            "another model in a folder of the same name")
        var weights = try Data(contentsOf: copy.appendingPathComponent("model.safetensors"))
        weights[weights.count - 3] ^= 0x40
        try weights.write(to: copy.appendingPathComponent("model.safetensors"))
        #expect(ModelFingerprint.id(of: copy) != original, "changed weights")
        // Through a symlink the id is the target's (the folder's own name, the target's contents).
        let link = copy.deletingLastPathComponent().appendingPathComponent("linked")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: source)
        #expect(ModelFingerprint.id(of: link) == original.replacingOccurrences(of: "clip-", with: "linked-"))
    }
}
