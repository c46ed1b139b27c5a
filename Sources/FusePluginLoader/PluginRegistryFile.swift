import Foundation
import FuseCore

/// One library recorded by `fuse plugins register`.
public struct RegisteredPlugin: Codable, Sendable, Equatable {
    /// The name it is registered under (unique among built-in and registered plugins).
    public var name: String
    /// Absolute path of the shared library.
    public var path: String
    /// The id the library gives itself (equal to `name` unless `--name` was used).
    public var pluginID: String
    /// The modality it declared when registered.
    public var modality: String
    /// The ABI version it declared when registered.
    public var abiVersion: UInt32

    public init(name: String, path: String, pluginID: String, modality: String, abiVersion: UInt32) {
        self.name = name
        self.path = path
        self.pluginID = pluginID
        self.modality = modality
        self.abiVersion = abiVersion
    }
}

/// The user's plugin registry: a small JSON file listing registered libraries in registration order.
///
/// Location: `$FUSE_PLUGIN_PATH` when set (the file itself), else `$XDG_CONFIG_HOME/fuse/plugins.json`, else
/// `~/.config/fuse/plugins.json`. A missing or empty file is an empty registry. Changes are made under an advisory lock
/// (`plugins.json.lock`) and written atomically (a temporary file in the same folder, flushed, then renamed over
/// the old one), so a crash or a concurrent `register` never leaves a half-written or lost registry.
public struct PluginRegistryFile: Sendable {
    /// The JSON file.
    public let url: URL

    /// The format number written into the file; a file with another number is rejected, not misread.
    public static let formatVersion = 1

    public init(url: URL) { self.url = url }

    /// The registry file named by the environment (see the type's documentation).
    public static func defaultLocation(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let override = environment["FUSE_PLUGIN_PATH"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return URL(fileURLWithPath: config).appendingPathComponent("fuse/plugins.json")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".config/fuse/plugins.json")
    }

    /// The registry at the environment's location.
    public static func user(environment: [String: String] = ProcessInfo.processInfo.environment) -> PluginRegistryFile {
        PluginRegistryFile(url: defaultLocation(environment: environment))
    }

    private struct Contents: Codable {
        var format: Int
        var plugins: [RegisteredPlugin]
    }

    /// The registered plugins in registration order (empty when the file does not exist).
    public func read() throws -> [RegisteredPlugin] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        try FuseError.requireFile(url)
        let data: Data
        do {
            // FileContents reads character devices such as /dev/null (Data(contentsOf:) refuses them).
            data = try FileContents.data(at: url)
        } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        // An empty file (or FUSE_PLUGIN_PATH=/dev/null, to run with built-ins only) is an empty registry.
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
        let contents: Contents
        do { contents = try JSONErrorReason.decode(Contents.self, from: data) } catch let syntax
            as JSONErrorReason.SyntaxError
        {
            throw PluginRegistryFileError.malformed(file: url.path, reason: "not JSON: \(syntax)")
        } catch {
            throw PluginRegistryFileError.malformed(file: url.path, reason: Self.explain(error))
        }
        guard contents.format == Self.formatVersion else {
            throw PluginRegistryFileError.malformed(
                file: url.path, reason: "format \(contents.format), this fuse reads format \(Self.formatVersion)")
        }
        var seen = Set<String>()
        for entry in contents.plugins {
            guard PluginName.isValid(entry.name) else {
                throw PluginRegistryFileError.malformed(file: url.path, reason: "invalid plugin name '\(entry.name)'")
            }
            guard seen.insert(entry.name).inserted else {
                throw PluginRegistryFileError.malformed(file: url.path, reason: "name '\(entry.name)' appears twice")
            }
        }
        return contents.plugins
    }

    /// Replaces the file's contents atomically.
    public func write(_ plugins: [RegisteredPlugin]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(Contents(format: Self.formatVersion, plugins: plugins)) } catch {
            throw FuseError.writeFailed(path: url.path, reason: FileErrorReason.describe(error))
        }
        try AtomicFile.write(data + Data("\n".utf8), to: url)
    }

    /// Runs `change` on the current entries under the file lock and writes what it returns.
    /// Nothing is written when `change` throws.
    public func update<R>(_ change: (inout [RegisteredPlugin]) throws -> R) throws -> R {
        try AtomicFile.withLock(beside: url) {
            var plugins = try read()
            let result = try change(&plugins)
            try write(plugins)
            return result
        }
    }

    private static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return "not JSON (\(context.debugDescription))"
        case DecodingError.keyNotFound(let key, let context):
            return "missing field '\(key.stringValue)' at \(path(context))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let parts = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }
        return parts.isEmpty ? "top level" : parts.joined()
    }
}
