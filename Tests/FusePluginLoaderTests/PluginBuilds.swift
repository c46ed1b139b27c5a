import Foundation
import FuseTestSupport
import Testing

/// Compiles plugin sources with the system C compiler into fresh temporary folders, as a plugin author would.
enum PluginBuilds {
    /// The repository root.
    static let root = FixturePaths.repository
    static let include = root.appendingPathComponent("include")
    static let testPluginSource = FixturePaths.url("plugins/test_plugin.c")
    static let csvSample = root.appendingPathComponent("samples/plugins/csv-tabular")

    /// A new empty temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fuse-plugin-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `cc -shared -fPIC` on `source` with `-D` `defines`, returning the library's URL.
    static func build(
        _ source: URL, defines: [String] = [], name: String = "libplugin.so",
        into folder: URL? = nil
    ) throws -> URL {
        let folder = try folder ?? temporaryFolder()
        let output = folder.appendingPathComponent(name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["cc", "-shared", "-fPIC", "-O1", "-std=c11", "-I", include.path]
            + defines.map { "-D" + $0 } + ["-o", output.path, source.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BuildFailure(
                command: process.arguments!.joined(separator: " "),
                output: String(decoding: message, as: UTF8.self))
        }
        return output
    }

    /// The test plugin built with `defines`.
    static func testPlugin(
        _ defines: [String] = [], into folder: URL? = nil, name: String = "libplugin.so"
    ) throws -> URL {
        try build(testPluginSource, defines: defines, name: name, into: folder)
    }

    /// The csv-tabular sample plugin from samples/plugins.
    static func csvPlugin(into folder: URL? = nil) throws -> URL {
        try build(csvSample.appendingPathComponent("csv_tabular.c"), name: "libcsv_tabular.so", into: folder)
    }

    /// Writes `bytes` to a new file named `name` in a new temporary folder.
    static func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = try temporaryFolder().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func file(_ name: String, text: String) throws -> URL { try file(name, Array(text.utf8)) }
}

struct BuildFailure: Error, CustomStringConvertible {
    let command: String
    let output: String
    var description: String { "build failed: \(command)\n\(output)" }
}
