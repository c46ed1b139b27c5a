import Foundation
@testable import FuseHub
import FuseModels
import Testing

/// Bad input and bad answers: each is a typed error with the Hub's own text, and leaves nothing the cache trusts.
@Suite("fuse pull errors")
struct HubErrorTests {
    func pullError(
        _ repository: String, revision: String = "main", token: String? = nil,
        selection: HubFileSelection = .init(), cache: URL? = nil
    ) async throws
        -> (HubError?, LoopbackHub, URL)
    {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        let cache = try cache ?? HubFixtures.temporaryHub()
        do {
            _ = try await HubDownloader(environment: HubFixtures.environment(hub, cache: cache, token: token))
                .pull(repository, revision: revision, selection: selection)
            return (nil, hub, cache)
        } catch let error as HubError {
            return (error, hub, cache)
        }
    }

    @Test("unknown repository → RepoNotFound with the Hub's message")
    func unknownRepository() async throws {
        let (error, hub, _) = try await pullError("fuse-test/nope")
        defer { hub.stop() }
        guard case .repositoryNotFound(let repository, let message)? = error else {
            Issue.record("expected repositoryNotFound, got \(String(describing: error))"); return
        }
        #expect(repository == "fuse-test/nope")
        #expect(message.hasPrefix("Repository Not Found for url: "))
        #expect(error!.description.contains("fuse-test/nope"))
    }

    @Test("unknown revision → RevisionNotFound with the Hub's message")
    func unknownRevision() async throws {
        let (error, hub, _) = try await pullError("fuse-test/tiny-bert", revision: "no-such-branch")
        defer { hub.stop() }
        #expect(
            error
                == .revisionNotFound(
                    repository: "fuse-test/tiny-bert", revision: "no-such-branch",
                    message: "Invalid rev id: no-such-branch"))
    }

    @Test("a listed file the Hub answers 404 → EntryNotFound; no snapshot is written")
    func unknownFile() async throws {
        let (error, hub, cache) = try await pullError("fuse-test/missing-file")
        defer { hub.stop() }
        #expect(
            error
                == .entryNotFound(
                    repository: "fuse-test/missing-file", revision: HubFixtures.commit,
                    file: "tokenizer.json",
                    message: "tokenizer.json does not exist on \"\(HubFixtures.commit)\""))
        let repo = cache.appendingPathComponent("models--fuse-test--missing-file")
        #expect(HubFixtures.tree(repo.appendingPathComponent("snapshots")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: repo.appendingPathComponent("refs/main").path))
    }

    @Test("a gated repository without a token → access denied (401, GatedRepo), naming the fix")
    func gatedWithoutToken() async throws {
        let (error, hub, _) = try await pullError("fuse-test/gated")
        defer { hub.stop() }
        guard case .accessDenied(_, 401, false, let message)? = error else {
            Issue.record("expected accessDenied 401, got \(String(describing: error))"); return
        }
        #expect(message.contains("is restricted"))
        #expect(error!.description.contains("HF_TOKEN"))
        let (wrong, hub2, _) = try await pullError("fuse-test/gated", token: "hf_wrong")
        defer { hub2.stop() }
        guard case .accessDenied(_, 401, true, _)? = wrong else {
            Issue.record("expected accessDenied with a token, got \(String(describing: wrong))"); return
        }
    }

    @Test("a blob whose bytes do not hash to its X-Linked-Etag is discarded: no blob, no .incomplete, no snapshot")
    func corruptBlob() async throws {
        let (error, hub, cache) = try await pullError("fuse-test/corrupt")
        defer { hub.stop() }
        let weights = try HubFixtures.bertFiles().first { $0.path == "model.safetensors" }!
        guard case .checksumMismatch("model.safetensors", weights.sha256, let actual)? = error else {
            Issue.record("expected checksumMismatch, got \(String(describing: error))"); return
        }
        #expect(actual != weights.sha256)
        let repo = cache.appendingPathComponent("models--fuse-test--corrupt")
        let blobs = HubFixtures.tree(repo.appendingPathComponent("blobs"))
        #expect(!blobs.contains { $0.hasPrefix(weights.sha256) })
        #expect(HubFixtures.tree(repo.appendingPathComponent("snapshots")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: repo.appendingPathComponent("refs/main").path))
        #expect(throws: ModelLocationError.self) {
            try ModelLocator.resolve("fuse-test/corrupt", cache: HuggingFaceCache(hub: cache))
        }
    }

    @Test("a repository with only pickled weights is refused before any download, saying why")
    func picklesOnly() async throws {
        let (error, hub, cache) = try await pullError("fuse-test/pickles-only")
        defer { hub.stop() }
        #expect(
            error
                == .onlyPickledWeights(
                    repository: "fuse-test/pickles-only", revision: "main",
                    files: ["pytorch_model.bin"]))
        #expect(error!.description.contains("safetensors"))
        #expect(hub.requests.allSatisfy { $0.path.hasPrefix("/api/") })
        #expect(HubFixtures.tree(cache.appendingPathComponent("models--fuse-test--pickles-only/blobs")).isEmpty)
        // Asking for the config alone is fine: no weights are wanted.
        let (none, hub2, _) = try await pullError(
            "fuse-test/pickles-only",
            selection: HubFileSelection(include: ["config.json"]))
        defer { hub2.stop() }
        #expect(none == nil)
    }

    @Test("an unwritable cache (a file where the hub folder belongs) fails before any request, writing nothing")
    func unwritableCache() async throws {
        let root = try HubFixtures.temporaryHub().deletingLastPathComponent()
        let blocker = root.appendingPathComponent("hub")
        try Data("not a folder".utf8).write(to: blocker)
        let (error, hub, _) = try await pullError("fuse-test/tiny-bert", cache: blocker)
        defer { hub.stop() }
        guard case .cacheNotWritable(let path, _)? = error else {
            Issue.record("expected cacheNotWritable, got \(String(describing: error))"); return
        }
        #expect(path.hasPrefix(blocker.path))
        #expect(hub.requests.isEmpty)
        #expect(try Data(contentsOf: blocker) == Data("not a folder".utf8))
    }

    @Test("nothing matches the selection → a clear error")
    func nothingSelected() async throws {
        let (error, hub, _) = try await pullError(
            "fuse-test/tiny-bert",
            selection: HubFileSelection(include: ["*.gguf"]))
        defer { hub.stop() }
        #expect(error == .nothingSelected(repository: "fuse-test/tiny-bert", revision: "main"))
    }

    @Test("HF_HUB_OFFLINE forbids a pull before any request")
    func offline() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let environment = try HubFixtures.environment(hub, cache: HubFixtures.temporaryHub(), offline: true)
        await #expect(
            throws: HubError.offline(
                repository: "fuse-test/tiny-bert",
                reason: "pulling fuse-test/tiny-bert@main needs the Hub")
        ) {
            try await HubDownloader(environment: environment).pull("fuse-test/tiny-bert")
        }
        #expect(hub.requests.isEmpty)
    }

    @Test("a refused connection is a transport error naming the URL")
    func connectionRefused() async throws {
        let hub = try await LoopbackHub.start([])
        let endpoint = hub.endpoint
        hub.stop()
        try await Task.sleep(for: .milliseconds(300))
        let environment = try HubEnvironment(
            endpoint: endpoint, cache: HuggingFaceCache(hub: HubFixtures.temporaryHub()))
        do {
            _ = try await HubDownloader(environment: environment).pull("fuse-test/tiny-bert")
            Issue.record("expected a transport error")
        } catch let error as HubError {
            guard case .transport(let url, _) = error else { Issue.record("got \(error)"); return }
            #expect(url.hasPrefix(endpoint + "/api/models/fuse-test/tiny-bert/revision/main"))
        }
    }
}
