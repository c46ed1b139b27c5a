import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// What is at a path, as `stat(2)` sees it (symbolic links followed).
///
/// `FileManager.fileExists(atPath:)` answers false for a missing file, a symbolic link loop and a path behind a
/// folder the user may not enter alike, so errors built on it said "no such file or directory" for all three.
/// This keeps them apart.
public enum PathKind: Equatable, Sendable {
    /// Anything that is not a folder: a regular file, a character device, a FIFO.
    case file
    case directory
    /// Nothing is there (also: a symbolic link to nothing, or a path through a file).
    case missing
    /// The path runs through a symbolic link loop (`ELOOP`).
    case symbolicLinkLoop
    /// `stat` failed for another reason, given in words ("permission denied", …).
    case inaccessible(reason: String)

    /// Classifies `url`'s path.
    public static func of(_ url: URL) -> PathKind {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: return .missing
            case ELOOP: return .symbolicLinkLoop
            default: return .inaccessible(reason: FileErrorReason.describe(errno: code))
            }
        }
        return info.st_mode & S_IFMT == S_IFDIR ? .directory : .file
    }
}
