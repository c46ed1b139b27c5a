#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import FuseCore

/// Crash-safe replacement of small files, and an advisory lock serialising read-modify-write cycles between processes.
enum AtomicFile {
    /// Writes `data` to a fresh temporary file in `url`'s folder, flushes it to disk, then renames it over `url`:
    /// readers see the old contents or the new ones, never a mix. The folder is created when missing.
    static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FuseError.writeFailed(path: url.path, reason: "cannot create \(folder.path): \(error.localizedDescription)")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw FuseError.writeFailed(path: url.path, reason: Self.errnoText()) }
        var failure: String?
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            failure = error.localizedDescription
        }
        close(fd)
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = Self.errnoText() }
        if let failure {
            unlink(temporary.path)
            throw FuseError.writeFailed(path: url.path, reason: failure)
        }
    }

    /// Runs `body` holding an exclusive `flock` on `<url>.lock`, so concurrent `fuse plugins register` runs queue
    /// instead of overwriting each other's entries.
    static func withLock<R>(beside url: URL, _ body: () throws -> R) throws -> R {
        let folder = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lockPath = url.path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw FuseError.writeFailed(path: lockPath, reason: errnoText()) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FuseError.writeFailed(path: lockPath, reason: errnoText()) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
