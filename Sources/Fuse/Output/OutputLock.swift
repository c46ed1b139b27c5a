import Foundation
import FuseCore

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on an output path for the whole of a run, so that two runs pointed at one file (two shards
/// given the same `--out` by mistake) cannot both write it: the second fails at once, naming the holder.
///
/// The lock is `flock(2)` on a hidden file beside the output (`.NAME.lock`), which records who holds it. The kernel
/// drops the lock when its holder dies, so a killed run never blocks a later one; the file left behind is then just
/// re-locked. (On NFS, Linux maps `flock` onto POSIX byte-range locks, which NFSv4 servers honour across machines.)
public final class OutputLock: @unchecked Sendable {
    /// The output the lock guards.
    public let output: URL
    /// The lock file beside it.
    public let lockFile: URL
    // Guarded by being touched only by `init` and `release` (a run releases once, from one task).
    private var descriptor: Int32

    /// The lock file for `output`.
    public static func lockURL(for output: URL) -> URL {
        output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).lock")
    }

    /// Takes the lock or throws `JobError.outputLocked` naming the holder (never waits).
    public init(output: URL) throws {
        self.output = output
        lockFile = Self.lockURL(for: output)
        while true {
            let fd = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw FuseError.writeFailed(
                    path: lockFile.path,
                    reason: "cannot create the lock file: \(String(cString: strerror(errno)))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let holder = Self.contents(fd)
                close(fd)
                if code == EWOULDBLOCK {
                    throw JobError.outputLocked(
                        path: output.path, lockFile: lockFile.path,
                        holder: holder.isEmpty ? "unknown process" : holder)
                }
                throw FuseError.writeFailed(
                    path: lockFile.path, reason: "cannot lock: \(String(cString: strerror(code)))")
            }
            // The previous holder removes the file as it releases; if that happened between our open and our flock,
            // we hold a lock on an unlinked file that nobody else will see. Lock the file the path names now.
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(lockFile.path, &named) == 0, held.st_ino == named.st_ino,
                held.st_dev == named.st_dev
            {
                descriptor = fd
                break
            }
            close(fd)
        }
        let holder =
            "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since "
            + ISO8601DateFormatter().string(from: Date())
        _ = ftruncate(descriptor, 0)
        _ = holder.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Whether another run holds the lock on `output` now (throws `JobError.outputLocked` if so). A check made
    /// before the model loads, so a second writer fails at once; `init` is what actually guards the run.
    public static func check(output: URL) throws {
        guard FileManager.default.fileExists(atPath: output.deletingLastPathComponent().path) else { return }
        try OutputLock(output: output).release()
    }

    /// Removes the lock file and drops the lock (idempotent).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(lockFile.path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func contents(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return "" }
        return String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
