import Foundation

/// Errors raised by Fuse's core: every case names the file, tensor or field involved and says what is wrong.
///
/// Domain-specific loaders (safetensors, tokenizers, image and audio decoders) have error enums of their own;
/// this one covers what all of them share.
public enum FuseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file or folder exists at `path`.
    case fileNotFound(path: String)
    /// A folder was given where a regular file is expected.
    case isDirectory(path: String)
    /// A file was given where a folder is expected.
    case notADirectory(path: String)
    /// The path runs through a symbolic link loop (a link that points, directly or not, at itself).
    case symbolicLinkLoop(path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The file holds no bytes (or, for text, only a byte-order mark): there is nothing to embed.
    case emptyFile(path: String)
    /// The file should be UTF-8 text; `offset` is the first byte that is not.
    case invalidUTF8(path: String, offset: Int)
    /// A value's shape differs from what the operation needs.
    case shapeMismatch(what: String, expected: [Int], actual: [Int])
    /// A value is outside what the operation accepts.
    case invalidArgument(what: String, reason: String)
    /// A JSON configuration file (config.json, preprocessor_config.json, …) is malformed or inconsistent.
    case invalidConfig(file: String, reason: String)
    /// No registered plugin has the given identifier.
    case unknownPlugin(id: String, known: [String])
    /// Two plugins were registered under one identifier.
    case duplicatePlugin(id: String)
    /// No registered plugin claims the file (by magic bytes, extension or content).
    case noPluginClaims(path: String, knownExtensions: [String])
    /// A plugin was asked to handle a sample of a modality it does not produce.
    case unsupportedSample(plugin: String, reason: String)
    /// Writing an output would replace an existing file and the caller did not allow it.
    case outputExists(path: String)
    /// Writing an output failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file or directory"
        case .isDirectory(let path):
            return "\(path): is a directory, expected a file"
        case .notADirectory(let path):
            return "\(path): is a file, expected a directory"
        case .symbolicLinkLoop(let path):
            return "\(path): symbolic link loop (too many levels of symbolic links)"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read: \(reason)"
        case .emptyFile(let path):
            return "\(path): the file is empty"
        case .invalidUTF8(let path, let offset):
            return "\(path): not valid UTF-8 at byte \(offset)"
        case .shapeMismatch(let what, let expected, let actual):
            return "\(what): expected shape \(expected), got \(actual)"
        case .invalidArgument(let what, let reason):
            return "\(what): \(reason)"
        case .invalidConfig(let file, let reason):
            return "\(file): invalid configuration: \(reason)"
        case .unknownPlugin(let id, let known):
            return "no plugin named '\(id)' (known: \(known.joined(separator: ", ")))"
        case .duplicatePlugin(let id):
            return "a plugin named '\(id)' is already registered"
        case .noPluginClaims(let path, let exts):
            return "\(path): no plugin claims this file (its content matches no known signature; "
                + "known extensions: \(exts.map { "." + $0 }.joined(separator: " ")))"
        case .unsupportedSample(let plugin, let reason):
            return "plugin '\(plugin)': \(reason)"
        case .outputExists(let path):
            return "\(path): already exists and overwriting it was not asked for"
        case .writeFailed(let path, let reason):
            return "\(path): cannot be written: \(reason)"
        }
    }
}

/// `localizedDescription` (which Foundation and some callers use) is the message, not "The operation could not be
/// completed. (FuseCore.FuseError error 3.)".
extension FuseError: LocalizedError {
    public var errorDescription: String? { description }
}

extension FuseError {
    /// Checks that `url` names an existing file (not a folder), throwing the matching error otherwise: not found,
    /// a symbolic link loop, a folder, or inaccessible (with the reason).
    public static func requireFile(_ url: URL) throws {
        if try kind(of: url) == .directory { throw FuseError.isDirectory(path: url.path) }
    }

    /// Checks that `url` names an existing directory, throwing the matching error otherwise.
    public static func requireDirectory(_ url: URL) throws {
        if try kind(of: url) != .directory { throw FuseError.notADirectory(path: url.path) }
    }

    /// `.file` or `.directory`; the other kinds of `PathKind` are thrown as errors.
    private static func kind(of url: URL) throws -> PathKind {
        switch PathKind.of(url) {
        case .missing: throw FuseError.fileNotFound(path: url.path)
        case .symbolicLinkLoop: throw FuseError.symbolicLinkLoop(path: url.path)
        case .inaccessible(let reason): throw FuseError.unreadable(path: url.path, reason: reason)
        case let kind: return kind
        }
    }
}
