import Foundation
import Fuse
@testable import FuseHub
import Testing

/// The cache Fuse writes is the one `huggingface_hub` reads, and a pulled model loads by name offline.
///
/// `Tests/Fixtures/hub/huggingface_hub_read.json` is what huggingface_hub's `scan_cache_dir` and
/// `try_to_load_from_cache` read from a cache this suite wrote (`tools/reference/hub_cache_reference.py` runs this
/// suite with `FUSE_HUB_WRITE_CACHE_TO` set, then reads that folder with the real huggingface_hub).
@Suite("Hub cache shared with huggingface_hub")
struct HubInteropTests {
    static let reference = HubFixtures.fixtures.appendingPathComponent("hub/huggingface_hub_read.json")

    /// Pulls tiny-bert at `main` and `v1` into `FUSE_HUB_WRITE_CACHE_TO` (for the reference script) or a new folder.
    func pulledCache(_ hub: LoopbackHub) async throws -> URL {
        let given = ProcessInfo.processInfo.environment["FUSE_HUB_WRITE_CACHE_TO"].map { URL(fileURLWithPath: $0) }
        let cache = try given ?? HubFixtures.temporaryHub()
        let downloader = try HubDownloader(environment: HubFixtures.environment(hub, cache: cache))
        _ = try await downloader.pull("fuse-test/tiny-bert")
        _ = try await downloader.pull("fuse-test/tiny-bert", revision: "v1")
        return cache
    }

    struct Reference: Decodable {
        struct Repo: Decodable, Equatable {
            var repo_id: String
            var repo_type: String
            var size_on_disk: Int
            var nb_files: Int
            var refs: [String: String]
            var revisions: [Revision]
        }
        struct Revision: Decodable, Equatable {
            var commit_hash: String
            var refs: [String]
            var files: [File]
        }
        struct File: Decodable, Equatable {
            var file_path: String
            var blob_path: String
            var size_on_disk: Int
        }
        struct Lookup: Decodable {
            var repo_id: String
            var filename: String
            var revision: String
            var result: String?
        }
        var huggingface_hub_version: String
        var repos: [Repo]
        var warnings: [String]
        var try_to_load_from_cache: [Lookup]
    }

    /// The cache as `scan_cache_dir` reports it, computed here from the folders Fuse wrote.
    static func describe(_ cache: URL) throws -> [Reference.Repo] {
        let fm = FileManager.default
        return try fm.contentsOfDirectory(atPath: cache.path).filter { $0.hasPrefix("models--") }.sorted().map { name in
            let folder = cache.appendingPathComponent(name)
            let refsFolder = folder.appendingPathComponent("refs")
            var refs: [String: String] = [:]
            for ref in HubFixtures.tree(refsFolder) {
                var isDirectory: ObjCBool = false
                if fm.fileExists(atPath: refsFolder.appendingPathComponent(ref).path, isDirectory: &isDirectory),
                    !isDirectory.boolValue
                {
                    refs[ref] = try String(contentsOf: refsFolder.appendingPathComponent(ref), encoding: .utf8)
                }
            }
            let blobs = try fm.contentsOfDirectory(atPath: folder.appendingPathComponent("blobs").path)
            let blobSizes = try blobs.map {
                try fm.attributesOfItem(
                    atPath: folder.appendingPathComponent("blobs/\($0)")
                        .path)[.size] as! Int
            }
            let snapshots = try fm.contentsOfDirectory(atPath: folder.appendingPathComponent("snapshots").path).sorted()
            let revisions = try snapshots.map { commit in
                let snapshot = folder.appendingPathComponent("snapshots/\(commit)")
                let files = try HubFixtures.tree(snapshot).compactMap { path -> Reference.File? in
                    let pointer = snapshot.appendingPathComponent(path)
                    guard let target = try? fm.destinationOfSymbolicLink(atPath: pointer.path) else { return nil }
                    let blob = URL(fileURLWithPath: target, relativeTo: pointer.deletingLastPathComponent())
                        .standardizedFileURL
                    let size = try fm.attributesOfItem(atPath: blob.path)[.size] as! Int
                    return Reference.File(
                        file_path: "\(name)/snapshots/\(commit)/\(path)",
                        blob_path: "\(name)/blobs/\(blob.lastPathComponent)", size_on_disk: size)
                }
                return Reference.Revision(
                    commit_hash: commit,
                    refs: refs.filter { $0.value == commit }.map(\.key).sorted(), files: files)
            }
            return Reference.Repo(
                repo_id: String(name.dropFirst(8)).replacingOccurrences(of: "--", with: "/"),
                repo_type: "model", size_on_disk: blobSizes.reduce(0, +), nb_files: blobs.count,
                refs: refs, revisions: revisions)
        }
    }

    @Test("huggingface_hub's scan_cache_dir and try_to_load_from_cache read a Fuse-written cache as Fuse wrote it")
    func huggingfaceHubReadsTheLayout() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try await pulledCache(hub)
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.reference))
        #expect(reference.warnings.isEmpty)
        #expect(try Self.describe(cache) == reference.repos)
        #expect(reference.try_to_load_from_cache.contains { $0.result == nil })
        for lookup in reference.try_to_load_from_cache {
            let url = cache.appendingPathComponent(
                lookup.result ?? "models--fuse-test--tiny-bert/snapshots/"
                    + "\(HubFixtures.commit)/\(lookup.filename)")
            #expect(
                FileManager.default.fileExists(atPath: url.path) == (lookup.result != nil),
                "\(lookup.filename)@\(lookup.revision)")
            if lookup.result != nil {
                let source = HubFixtures.bertFolder.appendingPathComponent(lookup.filename)
                #expect(try Data(contentsOf: url) == Data(contentsOf: source), "\(lookup.filename)")
            }
        }
    }

    @Test("a pulled model loads by name offline, at main, a tag and the commit, and embeds like its folder")
    func loadsByNameOffline() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try await pulledCache(hub)
        hub.stop()
        let offline = try HubFixtures.environment(hub, cache: cache, offline: true)
        let direct = try FuseRuntime(modelDirectory: HubFixtures.bertFolder)
        let expected = try await direct.embed(text: "a tiny model pulled from a loopback hub")
        for spec in ["fuse-test/tiny-bert", "fuse-test/tiny-bert@v1", "fuse-test/tiny-bert@\(HubFixtures.commit)"] {
            let folder = try await HubModelResolver.resolve(spec, download: true, environment: offline)
            #expect(folder.path.hasSuffix("snapshots/\(HubFixtures.commit)"))
            let runtime = try FuseRuntime(modelDirectory: folder)
            let embedding = try await runtime.embed(text: "a tiny model pulled from a loopback hub")
            #expect(embedding.vector == expected.vector, "\(spec)")
        }
    }

    @Test("download: true pulls a missing model once; download: false never touches the network")
    func downloadIsOptIn() async throws {
        let hub = try await LoopbackHub.start(HubFixtures.repositories())
        defer { hub.stop() }
        let cache = try HubFixtures.temporaryHub()
        let environment = try HubFixtures.environment(hub, cache: cache)
        await #expect(throws: ModelLocationError.self) {
            try await HubModelResolver.resolve("fuse-test/tiny-bert", download: false, environment: environment)
        }
        #expect(hub.requests.isEmpty)
        let folder = try await HubModelResolver.resolve(
            "fuse-test/tiny-bert", download: true,
            environment: environment)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path))
        let count = hub.requests.count
        _ = try await HubModelResolver.resolve("fuse-test/tiny-bert", download: true, environment: environment)
        #expect(hub.requests.count == count)
        // Offline and missing: the offline error, not a connection attempt.
        let offline = try HubFixtures.environment(hub, cache: HubFixtures.temporaryHub(), offline: true)
        await #expect(throws: HubError.self) {
            try await HubModelResolver.resolve("fuse-test/tiny-bert", download: true, environment: offline)
        }
        #expect(hub.requests.count == count)
    }
}
