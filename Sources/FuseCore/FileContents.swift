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
/// report a size of 0 are therefore read through `FileHandle` up to end of file; all others take Foundation's path
/// unchanged, with its errors.
public enum FileContents {
    /// The bytes of the file at `url` (the whole file, up to end of file). Throws Foundation's file errors.
    public static func data(at url: URL, options: Data.ReadingOptions = []) throws -> Data {
        var info = stat()
        if stat(url.path, &info) == 0, info.st_size == 0 {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            return try handle.readToEnd() ?? Data()
        }
        return try Data(contentsOf: url, options: options)
    }

    /// The file at `url` as UTF-8 text. Throws Foundation's file errors, and
    /// `CocoaError.fileReadInapplicableStringEncoding` (naming the file) when the bytes are not valid UTF-8.
    public static func utf8String(at url: URL) throws -> String {
        let bytes = try data(at: url)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw CocoaError(.fileReadInapplicableStringEncoding,
                             userInfo: [NSFilePathErrorKey: url.path, NSURLErrorKey: url])
        }
        return text
    }
}
