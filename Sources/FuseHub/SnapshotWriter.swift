import Foundation
import FuseModels

/// The on-disk half of a pull: the folders of `models--org--name`, the relative symlinks
/// `snapshots/{commit}/{file}` → `../../blobs/{etag}`, and `refs/{revision}`, each created under a temporary name
/// and renamed into place, so a reader never sees a half-written entry.
struct SnapshotWriter {
    let cache: HuggingFaceCache
    let repository: String

    var folder: URL { cache.hub.appendingPathComponent(HuggingFaceCache.folderName(repository)) }
    var blobs: URL { folder.appendingPathComponent("blobs") }
    func snapshot(_ commit: String) -> URL { folder.appendingPathComponent("snapshots").appendingPathComponent(commit) }
    func blob(_ etag: String) -> URL { blobs.appendingPathComponent(etag) }
    func pointer(commit: String, file: String) -> URL { snapshot(commit).appendingPathComponent(file) }
    /// `.locks/models--org--name/{etag}.lock`, as `huggingface_hub` names it.
    func lock(_ etag: String) -> URL {
        cache.hub.appendingPathComponent(".locks").appendingPathComponent(HuggingFaceCache.folderName(repository))
            .appendingPathComponent(etag + ".lock")
    }

    /// Creates the cache folders, or says why it cannot (before anything is downloaded).
    func prepare() throws {
        for url in [
            blobs, folder.appendingPathComponent("snapshots"), folder.appendingPathComponent("refs"),
            cache.hub.appendingPathComponent(".locks"),
        ] {
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw HubError.cacheNotWritable(path: url.path, reason: Self.reason(error))
            }
        }
        // A folder can exist and still refuse new files (permissions, a read-only mount).
        let probe = blobs.appendingPathComponent(".fuse-write-test-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: probe.path, contents: nil) else {
            throw HubError.cacheNotWritable(path: blobs.path, reason: "cannot create files there")
        }
        try? FileManager.default.removeItem(at: probe)
    }

    /// The blob a snapshot entry points at, when the entry exists and its blob is complete.
    func existingBlob(commit: String, file: String) -> URL? {
        let pointer = pointer(commit: commit, file: file)
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: pointer.path) else { return nil }
        let blob = URL(fileURLWithPath: target, relativeTo: pointer.deletingLastPathComponent()).standardizedFileURL
        return FileManager.default.fileExists(atPath: blob.path) ? blob : nil
    }

    /// `snapshots/{commit}/{file}` → `blobs/{etag}` as a relative link (`../../blobs/{etag}` at the root, one more
    /// `../` per folder level), replacing an older entry atomically.
    func link(commit: String, file: String, etag: String) throws {
        let pointer = pointer(commit: commit, file: file)
        let depth = file.split(separator: "/").count
        let target = String(repeating: "../", count: depth + 1) + "blobs/" + etag
        let temporary = pointer.deletingLastPathComponent()
            .appendingPathComponent(".\(pointer.lastPathComponent).\(UUID().uuidString.prefix(8)).link")
        do {
            try FileManager.default.createDirectory(
                at: pointer.deletingLastPathComponent(),
                withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: temporary.path, withDestinationPath: target)
            guard rename(temporary.path, pointer.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw HubError.cacheNotWritable(path: pointer.path, reason: reason)
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.cacheNotWritable(path: pointer.path, reason: Self.reason(error))
        }
    }

    /// `refs/{revision}` holds `commit` (no newline, as `huggingface_hub` writes it); nothing for a commit hash.
    func writeRef(_ revision: String, commit: String) throws {
        guard revision != commit else { return }
        let ref = folder.appendingPathComponent("refs").appendingPathComponent(revision)
        let temporary = ref.deletingLastPathComponent().appendingPathComponent(
            ".\(ref.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        do {
            try FileManager.default.createDirectory(
                at: ref.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(commit.utf8).write(to: temporary)
            guard rename(temporary.path, ref.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw HubError.cacheNotWritable(path: ref.path, reason: reason)
            }
        } catch let error as HubError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw HubError.cacheNotWritable(path: ref.path, reason: Self.reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
