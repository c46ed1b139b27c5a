import Foundation
import FuseModels
import Testing

/// `--model org/name` resolution against a fake Hugging Face hub cache laid out as huggingface_hub writes it
/// (`models--org--name/{refs/main, snapshots/<commit>/config.json}`), built in a temporary folder per test.
@Suite("Model locator: folders and the Hugging Face cache")
struct FuseMiniModelLocatorTests {
    static let commitA = String(repeating: "a", count: 40)
    static let commitB = String(repeating: "b", count: 40)

    /// A temporary hub with `org/name` cached at two commits, refs/main → commitB, and a tag v1 → commitA.
    final class FakeHub {
        let root: URL
        var hub: URL { root.appendingPathComponent("hub") }
        var repo: URL { hub.appendingPathComponent("models--sentence-transformers--all-MiniLM-L6-v2") }

        init() throws {
            root = FileManager.default.temporaryDirectory
                .appendingPathComponent("fuse-hf-cache-\(UUID().uuidString)")
            for commit in [commitA, commitB] {
                let snapshot = repo.appendingPathComponent("snapshots/\(commit)")
                try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
                try Data("{\"model_type\": \"bert\"}".utf8).write(to: snapshot.appendingPathComponent("config.json"))
            }
            try FileManager.default.createDirectory(
                at: repo.appendingPathComponent("refs"),
                withIntermediateDirectories: true)
            try Data("\(commitB)\n".utf8).write(to: repo.appendingPathComponent("refs/main"))
            try Data(commitA.utf8).write(to: repo.appendingPathComponent("refs/v1"))
        }

        deinit { try? FileManager.default.removeItem(at: root) }
    }

    @Test("org/name follows refs/main to its snapshot")
    func followsMain() throws {
        let fake = try FakeHub()
        let url = try ModelLocator.resolve(
            "sentence-transformers/all-MiniLM-L6-v2", cache: HuggingFaceCache(hub: fake.hub),
            base: fake.root)
        #expect(url.lastPathComponent == Self.commitB)
        #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path))
    }

    @Test("org/name@tag and org/name@commit pick that snapshot")
    func revisions() throws {
        let fake = try FakeHub()
        let cache = HuggingFaceCache(hub: fake.hub)
        #expect(
            try ModelLocator.resolve("sentence-transformers/all-MiniLM-L6-v2@v1", cache: cache, base: fake.root)
                .lastPathComponent == Self.commitA)
        #expect(
            try ModelLocator.resolve(
                "sentence-transformers/all-MiniLM-L6-v2@\(Self.commitA)", cache: cache,
                base: fake.root
            ).lastPathComponent == Self.commitA)
        #expect(throws: ModelLocationError.self) {
            try ModelLocator.resolve("sentence-transformers/all-MiniLM-L6-v2@v9", cache: cache, base: fake.root)
        }
    }

    @Test("the hub folder follows HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, then HOME")
    func environment() {
        #expect(HuggingFaceCache(environment: ["HF_HUB_CACHE": "/x/hub", "HF_HOME": "/y"]).hub.path == "/x/hub")
        #expect(HuggingFaceCache(environment: ["HF_HOME": "/y", "XDG_CACHE_HOME": "/z"]).hub.path == "/y/hub")
        #expect(HuggingFaceCache(environment: ["XDG_CACHE_HOME": "/z", "HOME": "/h"]).hub.path == "/z/huggingface/hub")
        #expect(HuggingFaceCache(environment: ["HOME": "/h"]).hub.path == "/h/.cache/huggingface/hub")
        #expect(HuggingFaceCache(environment: ["HF_HOME": "", "HOME": "/h"]).hub.path == "/h/.cache/huggingface/hub")
    }

    @Test("an existing folder wins over the cache, relative to the base folder")
    func folderFirst() throws {
        let fake = try FakeHub()
        let local = fake.root.appendingPathComponent("sentence-transformers/all-MiniLM-L6-v2")
        try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
        let url = try ModelLocator.resolve(
            "sentence-transformers/all-MiniLM-L6-v2", cache: HuggingFaceCache(hub: fake.hub),
            base: fake.root)
        #expect(url.standardizedFileURL.path == local.standardizedFileURL.path)
    }

    @Test("absent repository: the error names the repository and the folder searched")
    func absent() throws {
        let fake = try FakeHub()
        let error = #expect(throws: ModelLocationError.self) {
            try ModelLocator.resolve(
                "openai/clip-vit-base-patch32", cache: HuggingFaceCache(hub: fake.hub),
                base: fake.root)
        }
        #expect(error == .notInCache(repository: "openai/clip-vit-base-patch32", hub: fake.hub.path))
        #expect(error?.description.contains("models--openai--clip-vit-base-patch32") == true)
    }

    @Test("neither a folder nor org/name: named error with the path tried")
    func notAFolder() throws {
        let fake = try FakeHub()
        for spec in ["no-such-model", "a/b/c", "../x/y/z"] {
            let error = #expect(throws: ModelLocationError.self) {
                try ModelLocator.resolve(spec, cache: HuggingFaceCache(hub: fake.hub), base: fake.root)
            }
            if case .notAFolder(let named, _) = error {
                #expect(named == spec)
            } else {
                Issue.record("\(spec): expected notAFolder, got \(String(describing: error))")
            }
        }
    }

    @Test("a snapshot without config.json is reported as incomplete")
    func incomplete() throws {
        let fake = try FakeHub()
        try FileManager.default.removeItem(
            at: fake.repo.appendingPathComponent("snapshots/\(Self.commitB)/config.json"))
        let error = #expect(throws: ModelLocationError.self) {
            try ModelLocator.resolve(
                "sentence-transformers/all-MiniLM-L6-v2", cache: HuggingFaceCache(hub: fake.hub),
                base: fake.root)
        }
        if case .incompleteSnapshot = error {} else { Issue.record("got \(String(describing: error))") }
    }

    @Test("without refs/, a single snapshot is used; several are ambiguous")
    func withoutRefs() throws {
        let fake = try FakeHub()
        try FileManager.default.removeItem(at: fake.repo.appendingPathComponent("refs"))
        let cache = HuggingFaceCache(hub: fake.hub)
        #expect(throws: ModelLocationError.self) {
            try ModelLocator.resolve("sentence-transformers/all-MiniLM-L6-v2", cache: cache, base: fake.root)
        }
        try FileManager.default.removeItem(at: fake.repo.appendingPathComponent("snapshots/\(Self.commitA)"))
        #expect(
            try ModelLocator.resolve("sentence-transformers/all-MiniLM-L6-v2", cache: cache, base: fake.root)
                .lastPathComponent == Self.commitB)
    }
}
