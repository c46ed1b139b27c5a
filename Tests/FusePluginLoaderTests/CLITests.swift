import Foundation
import Testing

/// `fuse plugins register | list | unregister` run as a user would, against a temporary registry named by
/// FUSE_PLUGIN_PATH so the user's own config is never touched.
@Suite struct CLITests {
    /// The `fuse` executable `swift test` built next to the test bundle.
    static func fuseExecutable() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fuse"),
            Bundle.main.bundleURL.appendingPathComponent("fuse"),
            PluginBuilds.root.appendingPathComponent(".build/debug/fuse"),
        ]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                            "the fuse executable was not built next to the tests")
    }

    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    static func fuse(_ arguments: [String], registry: URL) throws -> Run {
        let process = Process()
        process.executableURL = try fuseExecutable()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FUSE_PLUGIN_PATH"] = registry.path
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                   errors: String(decoding: err, as: UTF8.self))
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

        let listed = try Self.fuse(["plugins", "list"], registry: registry)
        #expect(listed.status == 0)
        let lines = listed.output.split(separator: "\n").map(String.init)
        let csvLine = try #require(lines.first { $0.hasPrefix("csv-tabular ") })
        #expect(csvLine.contains("tabular") && csvLine.contains(" 1 ") && csvLine.contains(library.path)
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
