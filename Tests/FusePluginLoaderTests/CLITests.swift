import Foundation
import FuseTestSupport
import Testing

/// `fuse plugins register | list | unregister` run as a user would, against a temporary registry named by
/// FUSE_PLUGIN_PATH so the user's own config is never touched.
@Suite struct CLITests {
    static func fuse(_ arguments: [String], registry: URL) throws -> FuseBinary.Run {
        try FuseBinary.run(arguments, environment: ["FUSE_PLUGIN_PATH": registry.path])
    }

    @Test func registerListUnregister() throws {
        let folder = try PluginBuilds.temporaryFolder()
        let registry = folder.appendingPathComponent("config/plugins.json")
        let library = try PluginBuilds.csvPlugin(into: folder)

        let registered = try Self.fuse(["plugins", "register", library.path], registry: registry)
        #expect(registered.status == 0, "\(registered.errors)")
        #expect(registered.output.contains("registered 'csv-tabular' (tabular, ABI 1)"))
        #expect(FileManager.default.fileExists(atPath: registry.path))

        let again = try Self.fuse(["plugins", "register", library.path, "--name", "csv-b"], registry: registry)
        #expect(again.output.contains("already claimed by 'csv-tabular', which takes precedence"))

        let duplicate = try Self.fuse(["plugins", "register", library.path], registry: registry)
        #expect(duplicate.status != 0)
        #expect(duplicate.errors.contains("a plugin named 'csv-tabular' already exists"))
        // The library says the name is taken; the CLI adds its flag to choose another.
        #expect(duplicate.errors.contains("choose another with --name"), "\(duplicate.errors)")

        let listed = try Self.fuse(["plugins", "list"], registry: registry)
        #expect(listed.status == 0)
        let lines = listed.output.split(separator: "\n").map(String.init)
        let csvLine = try #require(lines.first { $0.hasPrefix("csv-tabular ") })
        #expect(
            csvLine.contains("tabular") && csvLine.contains(" 1 ") && csvLine.contains(library.path)
                && csvLine.hasSuffix(".csv text/csv"))
        #expect(lines.contains("  .csv: csv-tabular wins over csv-b"))

        let example = PluginBuilds.csvSample.appendingPathComponent("example.csv")
        let decoded = try Self.fuse(["plugins", "decode", example.path], registry: registry)
        #expect(decoded.status == 0, "\(decoded.errors)")
        #expect(decoded.output.contains("plugin 'csv-tabular' (tabular, \(library.path))"))
        #expect(decoded.output.contains("tabular features [5, 4]: 5.1 3.5 1.4 0.2 4.9 3.0 1.4 0.2 …"))

        let notALibrary = try Self.fuse(["plugins", "register", registry.path], registry: registry)
        #expect(notALibrary.status != 0)
        #expect(notALibrary.errors.contains("\(registry.path): not a loadable shared library"))

        #expect(try Self.fuse(["plugins", "unregister", "csv-b"], registry: registry).status == 0)
        #expect(try Self.fuse(["plugins", "unregister", "csv-tabular"], registry: registry).status == 0)
        let missing = try Self.fuse(["plugins", "unregister", "csv-tabular"], registry: registry)
        #expect(missing.status != 0)
        #expect(missing.errors.contains("no registered plugin named 'csv-tabular' (none registered)"))
        #expect(try Self.fuse(["plugins", "list"], registry: registry).output.contains("(0 registered)"))
    }
}
