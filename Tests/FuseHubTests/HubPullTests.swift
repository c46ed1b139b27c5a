import Foundation
import FuseCore
@testable import FuseHub
import FuseModels
import Testing

/// Pulls from the loopback Hub: the cache layout `huggingface_hub` writes, cache reuse, resumption, the lock.
@Suite("fuse pull against a loopback Hub")
struct HubPullTests {
    static let defaultFiles = [
        "1_Pooling/config.json", "2_Normalize/config.json", "config.json",
        "config_sentence_transformers.json", "model.safetensors", "modules.json",
        "sentence_bert_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
    ]

    @Test("a pull writes blobs/{etag}, relative snapshot symlinks and refs/main, and only the default files")
    func layout() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let result = try await HubDownloader(environment: HubFixtures.environment(hub, cache: cache))
            .pull("fuse-test/tiny-bert")
        #expect(result.commit == HubFixtures.commit)
        #expect(result.files == Self.defaultFiles)
        let repo = cache.appendingPathComponent("models--fuse-test--tiny-bert")
        #expect(try String(contentsOf: repo.appendingPathComponent("refs/main"), encoding: .utf8) == HubFixtures.commit)
        let snapshot = repo.appendingPathComponent("snapshots/\(HubFixtures.commit)")
        #expect(result.snapshot.standardizedFileURL == snapshot.standardizedFileURL)
        for file in try HubFixtures.bertFiles() {
            let pointer = snapshot.appendingPathComponent(file.path)
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: pointer.path)
            let etag = file.lfs ? file.sha256 : file.gitETag
            let depth = file.path.split(separator: "/").count
            #expect(target == String(repeating: "../", count: depth + 1) + "blobs/" + etag, "\(file.path)")
            #expect(try Data(contentsOf: pointer) == file.content, "\(file.path)")
            #expect(
                FileManager.default.fileExists(
                    atPath: cache.appendingPathComponent(
                        ".locks/models--fuse-test--tiny-bert/\(etag).lock"
                    ).path))
        }
        // Pickles, README, ONNX and dotfiles stay on the Hub; nothing temporary is left behind.
        let blobs = HubFixtures.tree(repo.appendingPathComponent("blobs"))
        #expect(blobs.count == Self.defaultFiles.count)
        #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
        let requested = hub.requests.map(\.path)
        #expect(
            !requested.contains { $0.contains("pytorch_model.bin") || $0.contains("README") || $0.contains("onnx") })
    }

    @Test("the token goes to the Hub's host only, never to the CDN a download redirects to")
    func tokenStaysOnTheHub() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        _ = try await HubDownloader(environment: HubFixtures.environment(hub, cache: cache, token: HubFixtures.token))
            .pull("fuse-test/gated")
        let hubRequests = hub.requests.filter { !$0.path.hasPrefix("/cdn/") }
        let cdnRequests = hub.requests.filter { $0.path.hasPrefix("/cdn/") }
        #expect(!hubRequests.isEmpty && !cdnRequests.isEmpty)
        #expect(hubRequests.allSatisfy { $0.authorization == "Bearer \(HubFixtures.token)" })
        #expect(cdnRequests.allSatisfy { $0.authorization == nil && $0.host?.hasPrefix("localhost") == true })
    }

    @Test("a second pull finds every file in the cache and sends only the revision request")
    func secondPullIsCached() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let downloader = try HubDownloader(environment: HubFixtures.environment(hub, cache: cache))
        let first = try await downloader.pull("fuse-test/tiny-bert")
        #expect(first.downloadedBytes > 250_000)
        let before = hub.requests.count
        let second = try await downloader.pull("fuse-test/tiny-bert", revision: "v1")
        #expect(second.downloadedBytes == 0 && second.commit == first.commit)
        #expect(hub.requests.dropFirst(before).map(\.path) == ["/api/models/fuse-test/tiny-bert/revision/v1"])
        let ref = cache.appendingPathComponent("models--fuse-test--tiny-bert/refs/v1")
        #expect(try String(contentsOf: ref, encoding: .utf8) == HubFixtures.commit)
    }

    @Test("a connection cut mid-file is resumed with a Range request and the blob verifies")
    func resumeAfterCut() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let weights = try HubFixtures.bertFiles().first { $0.path == "model.safetensors" }!
        hub.cutNextDownload(of: weights.sha256)
        let cache = try HubFixtures.temporaryHub()
        let events = EventLog()
        let result = try await HubDownloader(environment: HubFixtures.environment(hub, cache: cache))
            .pull("fuse-test/tiny-bert", progress: events.record)
        let gets = hub.requests.filter { $0.path.hasSuffix("/\(weights.sha256)") && $0.path.hasPrefix("/cdn/") }
        #expect(gets.count == 2)
        #expect(gets.first?.range == nil)
        let resumedAt = gets.last?.range.flatMap { Int($0.dropFirst(6).dropLast()) } ?? 0
        #expect(resumedAt > 0 && resumedAt < weights.content.count)
        #expect(try Data(contentsOf: result.snapshot.appendingPathComponent("model.safetensors")) == weights.content)
        #expect(events.bytes(of: "model.safetensors").last == Int64(weights.content.count))
    }

    @Test("an .incomplete left by an earlier run is resumed from its size")
    func resumeFromIncompleteFile() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let weights = try HubFixtures.bertFiles().first { $0.path == "model.safetensors" }!
        let cache = try HubFixtures.temporaryHub()
        let blobs = cache.appendingPathComponent("models--fuse-test--tiny-bert/blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try weights.content.prefix(100_003).write(to: blobs.appendingPathComponent(weights.sha256 + ".incomplete"))
        let events = EventLog()
        let result = try await HubDownloader(environment: HubFixtures.environment(hub, cache: cache))
            .pull("fuse-test/tiny-bert", progress: events.record)
        let gets = hub.requests.filter { $0.path.hasSuffix("/\(weights.sha256)") && $0.path.hasPrefix("/cdn/") }
        #expect(gets.map(\.range) == ["bytes=100003-"])
        #expect(events.resumed(of: "model.safetensors") == 100_003)
        #expect(result.downloadedBytes < Int64(weights.content.count))
        #expect(try Data(contentsOf: result.snapshot.appendingPathComponent("model.safetensors")) == weights.content)
    }

    @Test("two pulls of one repository at once download each blob once (the .locks file lock)")
    func concurrentPullsShareTheLock() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let environment = try HubFixtures.environment(hub, cache: cache)
        async let first = HubDownloader(environment: environment).pull("fuse-test/tiny-bert")
        async let second = HubDownloader(environment: environment).pull("fuse-test/tiny-bert")
        let (a, b) = try await (first, second)
        #expect(a.snapshot == b.snapshot && a.files == b.files)
        let weights = try HubFixtures.bertFiles().first { $0.path == "model.safetensors" }!
        #expect(
            hub.requests.filter { $0.path.hasSuffix("/\(weights.sha256)") && $0.path.hasPrefix("/cdn/") }.count == 1)
        let total = try HubFixtures.bertFiles().reduce(0) { $0 + Int64($1.content.count) }
        #expect(a.downloadedBytes + b.downloadedBytes == total)
    }

    @Test("a pull waits while another process holds the blob's lock")
    func waitsForTheLock() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let weights = try HubFixtures.bertFiles().first { $0.path == "model.safetensors" }!
        let lockPath = cache.appendingPathComponent(".locks/models--fuse-test--tiny-bert/\(weights.sha256).lock")
        let held = try await CacheLock.acquire(lockPath)
        let pull = Task {
            try await HubDownloader(environment: HubFixtures.environment(hub, cache: cache))
                .pull("fuse-test/tiny-bert", selection: HubFileSelection(include: ["model.safetensors"]))
        }
        try await Task.sleep(for: .milliseconds(700))
        #expect(hub.requests.filter { $0.path.hasPrefix("/cdn/") }.isEmpty)
        held.release()
        let result = try await pull.value
        #expect(result.files == ["model.safetensors"])
        #expect(!CacheLock.isHeld(lockPath))
    }

    @Test("--include/--exclude pick files with huggingface_hub's fnmatch rules")
    func includeExclude() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let downloader = try HubDownloader(environment: HubFixtures.environment(hub, cache: cache))
        let result = try await downloader.pull(
            "fuse-test/tiny-bert",
            selection: HubFileSelection(
                include: ["*.json", "onnx/"],
                exclude: ["*Pooling*", "tokenizer*"]))
        #expect(
            result.files == [
                "2_Normalize/config.json", "config.json", "config_sentence_transformers.json",
                "modules.json", "onnx/model.onnx", "sentence_bert_config.json",
            ])
    }
}

/// Collects pull events for assertions.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [HubPullEvent] = []

    var record: @Sendable (HubPullEvent) -> Void { { [self] event in lock.withLock { events.append(event) } } }

    func bytes(of file: String) -> [Int64] {
        lock.withLock { events.compactMap { if case .bytes(let p) = $0, p.file == file { p.received } else { nil } } }
    }

    func resumed(of file: String) -> Int64? {
        lock.withLock {
            events.compactMap { if case .fileStarted(file, _, let resumed) = $0 { resumed } else { nil } }.first
        }
    }
}
