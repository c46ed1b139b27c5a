import Foundation
import FuseCore
import FuseTokenizers

/// What to do with bytes that are not UTF-8.
public enum InvalidUTF8Policy: String, Sendable, Equatable {
    /// Fail with `TokenizerError.invalidUTF8`, naming the byte offset of the first bad sequence.
    case reject
    /// Replace each maximal ill-formed subsequence with U+FFFD (as Python's `errors="replace"`).
    case replace
}

/// Reads UTF-8 text files: a leading byte-order mark is dropped, line endings are kept as they are, and invalid
/// UTF-8 is rejected (naming the offset) or replaced, as `invalidUTF8` says.
///
/// A file with no text — zero bytes, or only a byte-order mark — is `FuseError.emptyFile`: embedding it would give
/// the tokenizer's special tokens alone (`[CLS] [SEP]`), a vector that stands for no content, and an empty file is
/// far more often a failed export or download than a deliberate input. A file of whitespace alone is text and is
/// read as it is: whether whitespace yields tokens is the tokenizer's decision (WordPiece and CLIP drop it, as HF
/// tokenizers do, leaving the special tokens; byte-level BPE keeps it), the same as sentence-transformers.
public struct TextFileReader: Sendable {
    /// The default size limit: 1 GiB.
    public static let defaultMaxBytes = 1 << 30

    public var invalidUTF8: InvalidUTF8Policy
    /// Largest accepted file, checked before the file is read.
    public var maxBytes: Int

    public init(invalidUTF8: InvalidUTF8Policy = .reject, maxBytes: Int = TextFileReader.defaultMaxBytes) {
        self.invalidUTF8 = invalidUTF8
        self.maxBytes = maxBytes
    }

    /// Reads the file at `url` as text; throws when it is missing, a folder, a symbolic link loop, unreadable,
    /// larger than `maxBytes`, empty, or (with `.reject`) not UTF-8.
    public func read(contentsOf url: URL) throws -> String {
        switch PathKind.of(url) {
        case .missing: throw TokenizerError.fileNotFound(path: url.path)
        case .directory: throw TokenizerError.unreadable(path: url.path, reason: "is a directory, expected a text file")
        case .symbolicLinkLoop: throw FuseError.symbolicLinkLoop(path: url.path)
        case .inaccessible(let reason): throw TokenizerError.unreadable(path: url.path, reason: reason)
        case .file: break
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > maxBytes {
            throw TokenizerError.textTooLarge(path: url.path, bytes: size, limit: maxBytes)
        }
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw TokenizerError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        guard data.count <= maxBytes else {
            throw TokenizerError.textTooLarge(path: url.path, bytes: data.count, limit: maxBytes)
        }
        let text = try text(from: data, source: url.path)
        guard !text.isEmpty else { throw FuseError.emptyFile(path: url.path) }
        return text
    }

    /// Decodes bytes as text; `source` names them in errors. Offsets count from the first byte, BOM included.
    public func text(from data: Data, source: String) throws -> String {
        try data.withUnsafeBytes { raw in
            let all = raw.bindMemory(to: UInt8.self)
            let bom = all.count >= 3 && all[0] == 0xEF && all[1] == 0xBB && all[2] == 0xBF ? 3 : 0
            let bytes = UnsafeBufferPointer(rebasing: all[bom...])
            switch UTF8Validation.check(bytes) {
            case .valid:
                return String(decoding: bytes, as: UTF8.self)
            case .invalid(let offset), .truncated(let offset):
                guard invalidUTF8 == .replace else {
                    throw TokenizerError.invalidUTF8(source: source, offset: offset + bom)
                }
                // Swift's decoder substitutes U+FFFD per maximal ill-formed subsequence, as Python does.
                return String(decoding: bytes, as: UTF8.self)
            }
        }
    }
}
