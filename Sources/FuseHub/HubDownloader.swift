import AsyncHTTPClient
import Foundation
import FuseModels
import NIOCore

/// What a pull reports while it runs: a file starts (with its size, and the bytes resumed from an `.incomplete`),
/// its bytes arrive, it is done (downloaded, or already in the cache).
public enum HubPullEvent: Sendable, Equatable {
    case fileStarted(file: String, size: Int64?, resumedFrom: Int64)
    case bytes(HubTransferProgress)
    case fileFinished(file: String, fromCache: Bool)
}

/// What a pull left in the cache.
public struct HubPullResult: Sendable, Equatable {
    public var repository: String
    public var revision: String
    public var commit: String
    /// `…/models--org--name/snapshots/{commit}`: a model folder `FuseRuntime` loads.
    public var snapshot: URL
    /// The repository paths now in the snapshot.
    public var files: [String]
    /// Bytes received over the network by this pull (0 when everything was cached).
    public var downloadedBytes: Int64
}

/// Downloads a repository's files from the Hub into the standard cache, as `huggingface_hub`'s
/// `snapshot_download` does, so Python and Fuse share one cache:
///
/// 1. `GET /api/models/{repo}/revision/{revision}` → the commit and the file list; the selection picks files
///    (`HubFileSelection`: by default what Fuse loads, never pickles; a repository with only pickled weights is
///    refused before any download);
/// 2. per file, `HEAD /{repo}/resolve/{commit}/{file}` → ETag, size, and the CDN `Location`; under the blob's lock,
///    `BlobDownload` fills `blobs/{etag}` (resumed, size- and sha256-checked);
/// 3. only when every blob is complete: the `snapshots/{commit}/…` symlinks, then `refs/{revision}`.
///
/// A failure leaves no snapshot entry pointing at a missing or unverified blob.
///
/// ```swift
/// let hub = try HubDownloader(environment: HubEnvironment())
/// let result = try await hub.pull("sentence-transformers/all-MiniLM-L6-v2")
/// let runtime = try FuseRuntime(modelDirectory: result.snapshot)
/// ```
public struct HubDownloader: Sendable {
    public let environment: HubEnvironment

    public init(environment: HubEnvironment) {
        self.environment = environment
    }

    /// Pulls `repository` at `revision` (a branch, tag or commit) into the cache.
    public func pull(
        _ repository: String, revision: String = "main", selection: HubFileSelection = .init(),
        progress: @escaping @Sendable (HubPullEvent) -> Void = { _ in }
    ) async throws -> HubPullResult {
        guard let reference = RepositoryReference(repository), reference.pinnedRevision == nil else {
            throw HubError.invalidRepositoryID(repository)
        }
        guard !environment.offline else {
            throw HubError.offline(repository: repository, reason: "pulling \(repository)@\(revision) needs the Hub")
        }
        let writer = SnapshotWriter(cache: environment.cache, repository: repository)
        try writer.prepare()
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(20), read: .seconds(120))
        configuration.decompression = .disabled
        return try await HTTPClient.withHTTPClient(configuration: configuration) { client in
            let http = HubHTTP(client: client, environment: environment)
            return try await pull(
                repository, revision: revision, selection: selection, writer: writer, http: http,
                progress: progress)
        }
    }

    private func pull(
        _ repository: String, revision: String, selection: HubFileSelection, writer: SnapshotWriter,
        http: HubHTTP, progress: @escaping @Sendable (HubPullEvent) -> Void
    ) async throws
        -> HubPullResult
    {
        let info = try await HubRepositoryInfo.fetch(repository, revision: revision, http: http)
        try Self.refusePickleOnly(info.files, repository: repository, revision: revision, selection: selection)
        var selected = selection.select(info.files)
        guard !selected.isEmpty else { throw HubError.nothingSelected(repository: repository, revision: revision) }

        var etags: [String: String] = [:]
        var downloaded: Int64 = 0
        // modules.json first: its module folders add their configs to the default selection.
        if selected.contains("modules.json") {
            let (etag, bytes) = try await fetchBlob(
                "modules.json", info: info, repository: repository,
                writer: writer, http: http, progress: progress)
            etags["modules.json"] = etag
            downloaded += bytes
            let modules = (try? Data(contentsOf: writer.blob(etag))) ?? Data()
            selected = selection.select(
                info.files, moduleFolders: HubFileSelection.moduleFolders(fromModulesJSON: modules))
        }
        for file in selected where etags[file] == nil {
            let (etag, bytes) = try await fetchBlob(
                file, info: info, repository: repository, writer: writer,
                http: http, progress: progress)
            etags[file] = etag
            downloaded += bytes
        }
        for file in selected {
            try writer.link(commit: info.commit, file: file, etag: etags[file]!)
        }
        try writer.writeRef(revision, commit: info.commit)
        return HubPullResult(
            repository: repository, revision: revision, commit: info.commit,
            snapshot: writer.snapshot(info.commit), files: selected, downloadedBytes: downloaded)
    }

    /// Makes `blobs/{etag}` of `file` complete; returns the etag and the bytes received.
    private func fetchBlob(
        _ file: String, info: HubRepositoryInfo, repository: String, writer: SnapshotWriter,
        http: HubHTTP, progress: @escaping @Sendable (HubPullEvent) -> Void
    ) async throws
        -> (String, Int64)
    {
        if let blob = writer.existingBlob(commit: info.commit, file: file) {
            progress(.fileFinished(file: file, fromCache: true))
            return (blob.lastPathComponent, 0)
        }
        let metadata = try await HubFileMetadata.fetch(repository, revision: info.commit, file: file, http: http)
        guard metadata.commit == info.commit else {
            throw HubError.malformedResponse(
                url: metadata.location.absoluteString,
                reason: "'\(file)' resolved at commit \(metadata.commit), the revision "
                    + "API said \(info.commit)")
        }
        let blob = writer.blob(metadata.etag)
        if FileManager.default.fileExists(atPath: blob.path) {
            progress(.fileFinished(file: file, fromCache: true))
            return (metadata.etag, 0)
        }
        let lock = try await CacheLock.acquire(writer.lock(metadata.etag))
        defer { lock.release() }
        // Another process may have finished this blob while we waited for its lock.
        if FileManager.default.fileExists(atPath: blob.path) {
            progress(.fileFinished(file: file, fromCache: true))
            return (metadata.etag, 0)
        }
        let download = BlobDownload(http: http, repository: repository, metadata: metadata, file: file, blob: blob)
        let resumed = BlobDownload.size(of: download.incomplete)
        progress(.fileStarted(file: file, size: metadata.size, resumedFrom: resumed))
        try await download.run { progress(.bytes($0)) }
        progress(.fileFinished(file: file, fromCache: false))
        return (metadata.etag, max(0, BlobDownload.size(of: blob) - resumed))
    }

    /// Refuses a repository whose weights exist only as pickles, when the selection would otherwise take weights.
    static func refusePickleOnly(
        _ files: [String], repository: String, revision: String,
        selection: HubFileSelection
    ) throws {
        let pickles = files.filter(HubFileSelection.isPickle)
        guard !pickles.isEmpty, !files.contains(where: { $0.hasSuffix(".safetensors") }) else { return }
        let askedForPickles =
            selection.include.isEmpty
            || pickles.contains { path in selection.include.contains { HubFileSelection.fnmatch($0, path) } }
        if askedForPickles {
            throw HubError.onlyPickledWeights(repository: repository, revision: revision, files: pickles.sorted())
        }
    }
}
