import Foundation
import FuseCore

/// The rows `fuse plugins list` prints: every built-in and registered plugin in precedence order, with its ABI
/// version and claims, registered libraries that fail to load, and the extensions several plugins claim.
public struct PluginListing: Sendable {
    public struct Row: Sendable, Equatable {
        public let name: String
        public let modality: String
        /// "-" for built-in (Swift) plugins, else the C ABI version.
        public let abi: String
        /// "built-in" or the library path.
        public let source: String
        /// Extensions, MIME types and signatures, or the load error for a broken library.
        public let claims: String
    }

    public let rows: [Row]
    /// One line per contested extension: the claimants, winner first.
    public let conflicts: [String]

    public init(_ assembly: PluginAssembly) {
        var rows: [Row] = []
        for plugin in assembly.registry.plugins {
            let loaded = plugin as? LoadedPlugin
            rows.append(
                Row(
                    name: plugin.id, modality: plugin.modality.name,
                    abi: loaded.map { String($0.descriptor.abiVersion) } ?? "-",
                    source: loaded?.libraryPath ?? "built-in", claims: Self.describe(plugin.claims)))
        }
        for failure in assembly.failures {
            rows.append(
                Row(
                    name: failure.entry.name, modality: failure.entry.modality, abi: "?",
                    source: failure.entry.path, claims: "UNUSABLE: \(failure.reason)"))
        }
        self.rows = rows
        conflicts = assembly.conflicts.map { conflict in
            ".\(conflict.ext): \(conflict.claimants[0]) wins over \(conflict.claimants.dropFirst().joined(separator: ", "))"
        }
    }

    /// Claims as one line: `.csv text/csv magic 89504e47@0`.
    public static func describe(_ claims: PluginClaims) -> String {
        let parts =
            claims.extensions.map { "." + $0 } + claims.mimeTypes
            + claims.signatures.map { signature in
                "magic " + signature.bytes.map { hex($0) }.joined() + "@\(signature.offset)"
            }
        return parts.isEmpty ? "(content sniffing only)" : parts.joined(separator: " ")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// The rows as an aligned text table with a header line.
    public func table() -> String {
        let header = Row(name: "NAME", modality: "MODALITY", abi: "ABI", source: "SOURCE", claims: "CLAIMS")
        let all = [header] + rows
        let widths = [
            all.map(\.name.count).max()!, all.map(\.modality.count).max()!, all.map(\.abi.count).max()!,
            all.map(\.source.count).max()!,
        ]
        return all.map { row in
            [row.name, row.modality, row.abi, row.source].enumerated()
                .map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ") + "  " + row.claims
        }.joined(separator: "\n")
    }
}
