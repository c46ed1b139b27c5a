import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads for every loader in Fuse.
///
/// Use these instead of `Data(contentsOf:)`, `String(contentsOf:encoding:)` and `FileManager.contents(atPath:)`:
/// on Linux, swift-foundation reads a file whose size is reported as 0 (an empty file, a `/proc` entry, a character
/// device) into a 4 KiB buffer it never frees when nothing was read. One empty `config.json` costs 4 KiB; 200,000
/// reads of an empty file grow the process by 800 MB (measured; `docs/RELIABILITY.md`, finding 14). Files that
/// report a size of 0 are therefore read through `FileHandle` up to end of file; all others take Foundation's path.
///
/// Failures are `FuseError`s naming the file and saying what is wrong (`fileNotFound`, `isDirectory`,
/// `symbolicLinkLoop`, `unreadable` with a reason such as "permission denied", `invalidUTF8` with the offset), not
/// Foundation's "NSCocoaErrorDomain error 256". A caller that wraps them in its own error takes the reason alone from
/// `FileErrorReason.describe(_:)`.
public enum FileContents {
    /// The bytes of the file at `url` (the whole file, up to end of file).
    public static func data(at url: URL, options: Data.ReadingOptions = []) throws -> Data {
        do {
            var info = stat()
            if stat(url.path, &info) == 0, info.st_size == 0 {
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                return try handle.readToEnd() ?? Data()
            }
            return try Data(contentsOf: url, options: options)
        } catch {
            throw fileError(error, path: url.path)
        }
    }

    /// The file at `url` as UTF-8 text; bytes that are not UTF-8 throw `FuseError.invalidUTF8` with the offset of
    /// the first bad one.
    public static func utf8String(at url: URL) throws -> String {
        let bytes = try data(at: url)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw FuseError.invalidUTF8(path: url.path, offset: firstInvalidUTF8Offset(in: bytes) ?? 0)
        }
        return text
    }

    /// The offset of the first byte of `bytes` that does not belong to a well-formed UTF-8 sequence (nil: all do).
    public static func firstInvalidUTF8Offset(in bytes: Data) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// Foundation's error for a read of `path` as the matching `FuseError`.
    static func fileError(_ error: any Error, path: String) -> FuseError {
        if let fuse = error as? FuseError { return fuse }
        switch FileErrorReason.posixCode(of: error) {
        case ENOENT: return .fileNotFound(path: path)
        case EISDIR: return .isDirectory(path: path)
        case ELOOP: return .symbolicLinkLoop(path: path)
        default: return .unreadable(path: path, reason: FileErrorReason.describe(error))
        }
    }
}
