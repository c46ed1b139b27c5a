import Foundation
import FuseCore

/// The rules every output file follows: never replace an existing file unless asked, and appear atomically
/// (written to a temporary file beside the target, then renamed over it).
public enum OutputFile {
    /// Throws `FuseError.outputExists` when `url` exists and `overwrite` is false, or when it is a directory.
    public static func checkWritable(_ url: URL, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw FuseError.isDirectory(path: url.path) }
            if !overwrite { throw FuseError.outputExists(path: url.path) }
        }
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path) else {
            throw FuseError.writeFailed(path: url.path, reason: "the folder \(parent.path) does not exist")
        }
    }

    /// A hidden temporary path in the same folder (so the final rename is atomic).
    public static func temporarySibling(of url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
    }

    /// Renames the finished temporary file over the target.
    public static func commit(_ temporary: URL, to url: URL) throws {
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw FuseError.writeFailed(path: url.path, reason: reason)
        }
    }

    /// Writes `data` atomically.
    public static func write(_ data: Data, to url: URL, overwrite: Bool) throws {
        try checkWritable(url, overwrite: overwrite)
        let temporary = temporarySibling(of: url)
        do {
            try data.write(to: temporary)
        } catch {
            throw FuseError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
        try commit(temporary, to: url)
    }
}
