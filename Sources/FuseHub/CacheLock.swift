import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock(2)` on `.locks/models--org--name/{etag}.lock`: the lock `huggingface_hub` (through
/// `filelock`) takes for the same blob, so a Fuse pull and a Python download of one file wait for each other instead
/// of writing the same `.incomplete` file. Released by `release()` or when the process ends.
final class CacheLock: @unchecked Sendable {
    private let descriptor: Int32
    let path: URL

    private init(descriptor: Int32, path: URL) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Waits (polling, so no thread blocks) until the lock at `path` is ours.
    static func acquire(_ path: URL) async throws -> CacheLock {
        do {
            try FileManager.default.createDirectory(
                at: path.deletingLastPathComponent(),
                withIntermediateDirectories: true)
        } catch {
            throw HubError.cacheNotWritable(
                path: path.deletingLastPathComponent().path,
                reason: error.localizedDescription)
        }
        let descriptor = open(path.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HubError.cacheNotWritable(path: path.path, reason: String(cString: strerror(errno)))
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw HubError.cacheNotWritable(path: path.path, reason: "cannot lock: \(reason)")
            }
            do {
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                close(descriptor)
                throw error
            }
        }
        return CacheLock(descriptor: descriptor, path: path)
    }

    /// Whether another descriptor holds the lock now (for tests).
    static func isHeld(_ path: URL) -> Bool {
        let descriptor = open(path.path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
