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
    ///
    /// A symbolic link is followed (the file it names is replaced, the link kept); anything existing that is not a
    /// regular file (a device such as `/dev/null`, a folder) is refused rather than replaced.
    static func write(_ data: Data, to link: URL) throws {
        let url = try followLinks(link)
        try requireRegularOrMissing(url)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FuseError.writeFailed(
                path: url.path, reason: "cannot create \(folder.path): \(FileErrorReason.describe(error))")
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
            failure = FileErrorReason.describe(error)
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
    static func withLock<R>(beside link: URL, _ body: () throws -> R) throws -> R {
        let url = try followLinks(link)
        try requireRegularOrMissing(url)
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

    /// The file a chain of symbolic links ends at, even when that file does not exist yet (Foundation's
    /// `resolvingSymlinksInPath` leaves a dangling link unresolved).
    static func followLinks(_ url: URL) throws -> URL {
        var current = url
        for _ in 0..<32 {
            var info = stat()
            guard lstat(current.path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            let destination = try FileManager.default.destinationOfSymbolicLink(atPath: current.path)
            current =
                destination.hasPrefix("/")
                ? URL(fileURLWithPath: destination)
                : current.deletingLastPathComponent().appendingPathComponent(destination)
        }
        throw FuseError.writeFailed(path: url.path, reason: "too many levels of symbolic links")
    }

    /// Throws unless `url` names a regular file or nothing.
    static func requireRegularOrMissing(_ url: URL) throws {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FuseError.writeFailed(
                path: url.path, reason: "exists and is not a regular file; refusing to replace it")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
