import Foundation
import FuseCore
import Testing
@testable import FusePluginLoader

/// What `fuse plugins list` prints: built-ins first, registered plugins with their ABI version and claims, unusable
/// registrations kept visible, and each contested extension with its winner.
@Suite struct ListingTests {
    @Test func listsBuiltinsRegisteredFailuresAndConflicts() throws {
        let folder = try PluginBuilds.temporaryFolder()
        let file = PluginRegistryFile(url: folder.appendingPathComponent("plugins.json"))
        let csv = try PluginBuilds.csvPlugin(into: folder)
        let gone = try PluginBuilds.testPlugin([#"PLUGIN_ID="gone""#], into: folder, name: "libgone.so")
        try file.register(libraryAt: csv)
        try file.register(libraryAt: gone)
        try FileManager.default.removeItem(at: gone)
        let builtin = StubPlugin(id: "table-builtin", extensions: ["csv", "tsv"])

        let listing = PluginListing(try PluginAssembly.inspect(builtins: [builtin], file: file))
        #expect(listing.rows.map(\.name) == ["table-builtin", "csv-tabular", "gone"])
        #expect(
            listing.rows[0]
                == PluginListing.Row(
                    name: "table-builtin", modality: "stub", abi: "-",
                    source: "built-in", claims: ".csv .tsv"))
        #expect(
            listing.rows[1]
                == PluginListing.Row(
                    name: "csv-tabular", modality: "tabular", abi: "1",
                    source: csv.path, claims: ".csv text/csv"))
        #expect(listing.rows[2].abi == "?")
        #expect(listing.rows[2].claims == "UNUSABLE: \(gone.path): no such file or directory")
        #expect(listing.conflicts == [".csv: table-builtin wins over csv-tabular"])

        let lines = listing.table().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("NAME           MODALITY       ABI  SOURCE"))
        // Columns are aligned: every row's claims start at the same offset.
        let claimsColumn = try #require(lines[0].range(of: "CLAIMS")).lowerBound.utf16Offset(in: lines[0])
        #expect(lines[1].dropFirst(claimsColumn).hasPrefix(".csv .tsv"))
        #expect(lines[2].dropFirst(claimsColumn).hasPrefix(".csv text/csv"))
    }

    @Test func signaturesAreShownAsHexAtOffset() {
        let claims = PluginClaims(
            extensions: ["npy"],
            signatures: [
                MagicSignature(offset: 0, bytes: [0x93, 0x4E]),
                MagicSignature(offset: 8, ascii: "WAVE"),
            ])
        #expect(PluginListing.describe(claims) == ".npy magic 934e@0 magic 57415645@8")
        #expect(PluginListing.describe(PluginClaims()) == "(content sniffing only)")
    }
}
