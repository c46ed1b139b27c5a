import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Says in a few words why reading or writing a file failed, for the `reason` of an error that already names the
/// file.
///
/// Foundation's own texts leak its internals on Linux: `localizedDescription` of a read of a folder or of a
/// symbolic link loop is "The operation could not be completed. (NSCocoaErrorDomain error 256.)". This looks
/// through to the POSIX error underneath (`is a directory`, `symbolic link loop`, `permission denied`, …) and
/// passes Fuse's own errors through as their message.
///
/// ```swift
/// do { data = try FileContents.data(at: url) } catch {
///     throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
/// }
/// ```
public enum FileErrorReason {
    /// The reason `error` gives, without the file's name when the error is Fuse's own and names it.
    public static func describe(_ error: any Error) -> String {
        if let fuse = error as? FuseError {
            switch fuse {
            case .unreadable(_, let reason), .writeFailed(_, let reason): return reason
            case .fileNotFound: return describe(errno: ENOENT)
            case .isDirectory: return describe(errno: EISDIR)
            case .symbolicLinkLoop: return describe(errno: ELOOP)
            case .emptyFile: return "the file is empty"
            case .invalidUTF8(_, let offset): return "not valid UTF-8 at byte \(offset)"
            default: return fuse.description
            }
        }
        if let code = posixCode(of: error) { return describe(errno: code) }
        if let cocoa = error as? CocoaError { return describe(cocoa.code) }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain { return describe(CocoaError.Code(rawValue: ns.code)) }
        if ns.domain == NSPOSIXErrorDomain { return describe(errno: Int32(truncatingIfNeeded: ns.code)) }
        return String(describing: error)
    }

    /// A POSIX error number in words, lower case as in Fuse's other messages.
    public static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file or directory"
        case EISDIR: return "is a directory, expected a file"
        case ENOTDIR: return "a component of the path is not a directory"
        case ELOOP: return "symbolic link loop (too many levels of symbolic links)"
        case EACCES, EPERM: return "permission denied"
        case ENAMETOOLONG: return "file name too long"
        case ENOSPC: return "no space left on device"
        case EROFS: return "read-only file system"
        case EIO: return "input/output error"
        default:
            guard let text = strerror(code) else { return "system error \(code)" }
            let message = String(cString: text)
            return message.prefix(1).lowercased() + message.dropFirst()
        }
    }

    /// The `errno` under a Foundation file error (its `NSUnderlyingError`), if it carries one.
    static func posixCode(of error: any Error) -> Int32? {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(truncatingIfNeeded: ns.code) }
        // On Linux the underlying error may be stored as a Swift error value that does not cast to NSError.
        let userInfo = (error as? CocoaError)?.userInfo ?? ns.userInfo
        guard let underlying = userInfo[NSUnderlyingErrorKey] as? any Error else { return nil }
        return posixCode(of: underlying)
    }

    /// Foundation's file error codes without an underlying POSIX error.
    static func describe(_ code: CocoaError.Code) -> String {
        switch code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return describe(errno: ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return describe(errno: EACCES)
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "not valid UTF-8"
        case .fileReadTooLarge: return "too large to read into memory"
        case .fileReadCorruptFile: return "the file is corrupt"
        case .fileWriteOutOfSpace: return describe(errno: ENOSPC)
        case .fileWriteVolumeReadOnly: return describe(errno: EROFS)
        case .fileWriteFileExists: return "the file already exists"
        case .fileLocking: return "the file is locked"
        default: return "the read or write failed (Foundation error code \(code.rawValue))"
        }
    }
}
