import Foundation

/// The set of modality plugins a runtime knows, and the rule that picks one for a file:
/// an explicit plugin id first, then content sniffing (magic bytes), then the file extension, then a plugin
/// that finds the content merely possible (such as UTF-8 text). Among plugins that tie, the one registered
/// first wins, so precedence is deterministic and reported by `conflicts`.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [any ModalityPlugin] = []

    /// How many leading bytes are read for sniffing.
    public static let sniffLength = 64

    public init(_ plugins: [any ModalityPlugin] = []) throws {
        for plugin in plugins { try register(plugin) }
    }

    /// Adds a plugin; its id must be new.
    public mutating func register(_ plugin: any ModalityPlugin) throws {
        guard !plugins.contains(where: { $0.id == plugin.id }) else {
            throw FuseError.duplicatePlugin(id: plugin.id)
        }
        plugins.append(plugin)
    }

    /// Removes the plugin with the given id; returns whether one was removed.
    @discardableResult
    public mutating func unregister(id: String) -> Bool {
        let before = plugins.count
        plugins.removeAll { $0.id == id }
        return plugins.count != before
    }

    /// The plugin with the given id.
    public func plugin(id: String) throws -> any ModalityPlugin {
        guard let plugin = plugins.first(where: { $0.id == id }) else {
            throw FuseError.unknownPlugin(id: id, known: plugins.map(\.id))
        }
        return plugin
    }

    /// Picks the plugin for a file, reading its first bytes.
    public func plugin(for url: URL, explicitID: String? = nil) throws -> any ModalityPlugin {
        if let explicitID { return try plugin(id: explicitID) }
        try FuseError.requireFile(url)
        let prefix = try Self.readPrefix(of: url)
        if let chosen = plugin(forPrefix: prefix, extension: url.pathExtension) { return chosen }
        throw FuseError.noPluginClaims(path: url.path, knownExtensions: plugins.flatMap(\.claims.extensions))
    }

    /// Picks a plugin from content and extension alone (no file access).
    public func plugin(forPrefix prefix: [UInt8], extension ext: String) -> (any ModalityPlugin)? {
        let verdicts = plugins.map { ($0, $0.sniff(prefix)) }
        if let (plugin, _) = verdicts.first(where: { $0.1 == .definite }) { return plugin }
        let lowered = ext.lowercased()
        if !lowered.isEmpty, let plugin = plugins.first(where: { $0.claims.extensions.contains(lowered) }) {
            return plugin
        }
        return verdicts.first(where: { $0.1 == .possible })?.0
    }

    /// Extensions claimed by more than one plugin, with the claimants in precedence order.
    public var conflicts: [String: [String]] {
        var owners: [String: [String]] = [:]
        for plugin in plugins {
            for ext in plugin.claims.extensions { owners[ext, default: []].append(plugin.id) }
        }
        return owners.filter { $0.value.count > 1 }
    }

    static func readPrefix(of url: URL) throws -> [UInt8] {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            return Array(try handle.read(upToCount: sniffLength) ?? Data())
        } catch {
            throw FileContents.fileError(error, path: url.path)
        }
    }
}
