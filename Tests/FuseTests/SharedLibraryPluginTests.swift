import Foundation
import Fuse
import Testing

/// A run-time plugin end to end through the library API: the csv-tabular sample plugin (C, built here with the
/// system compiler as its author would) loaded with `FuseRuntime.loadPlugin(at:)`, its `[rows, columns]` features
/// fed to a Meta-Transformer folder's `tabular` features tokenizer and the shared encoder.
/// Reference: tools/reference/plugin_tabular_model.py (torch), ≤ 1e-4 max abs on the unit embeddings.
@Suite("Shared-library plugins in FuseRuntime")
struct SharedLibraryPluginTests {
    static let repository = FixtureLocation.root.deletingLastPathComponent().deletingLastPathComponent()
    static let model = FixtureLocation.url("models/meta-tabular")
    static let csvFolder = repository.appendingPathComponent("samples/plugins/csv-tabular")

    struct Reference: Decodable {
        let tolerance: Float
        let embeddings: [String: [Float]]
    }

    /// Compiles samples/plugins/csv-tabular/csv_tabular.c into a fresh temporary folder.
    static func buildCSVPlugin() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let library = folder.appendingPathComponent("libcsv_tabular.so")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "cc", "-shared", "-fPIC", "-O1", "-std=c11",
            "-I", repository.appendingPathComponent("include").path,
            "-o", library.path, csvFolder.appendingPathComponent("csv_tabular.c").path,
        ]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "cc failed to build the csv-tabular sample plugin")
        return library
    }

    /// Deletes the temporary folder `buildCSVPlugin()` made (a loaded library stays mapped after its file is gone).
    static func remove(_ library: URL) {
        try? FileManager.default.removeItem(at: library.deletingLastPathComponent())
    }

    @Test("example.csv and a 3-window long.csv equal the torch reference (≤ 1e-4)")
    func csvThroughTheSharedEncoder() async throws {
        let runtime = try FuseRuntime(modelDirectory: Self.model)
        let library = try Self.buildCSVPlugin()
        defer { Self.remove(library) }
        let plugin = try runtime.loadPlugin(at: library)
        #expect(plugin.modality == Modality("tabular"))
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: FixtureLocation.url("plugins/tabular/reference.json")))
        let files = [
            Self.csvFolder.appendingPathComponent("example.csv"),
            FixtureLocation.url("plugins/tabular/long.csv"),
        ]
        let single = try await runtime.embed(file: files[1])
        let batched = try await runtime.embed(files: files)
        for (file, embedding) in zip(files, batched) + [(files[1], single)] {
            let expected = try #require(reference.embeddings[file.lastPathComponent])
            #expect(embedding.modality == Modality("tabular"))
            #expect(embedding.vector.count == expected.count)
            let error = zip(embedding.vector, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(error <= reference.tolerance, "\(file.lastPathComponent): max abs \(error)")
        }
    }

    @Test("a file that is not a shared library is an error naming it; the runtime keeps working")
    func notALibrary() async throws {
        let runtime = try FuseRuntime(modelDirectory: Self.model)
        let fake = Self.csvFolder.appendingPathComponent("example.csv")
        #expect {
            try runtime.loadPlugin(at: fake)
        } throws: { error in
            guard case PluginLoadError.notASharedLibrary(let library, _) = error else { return false }
            return library.hasSuffix("example.csv")
        }
        #expect(!runtime.registry.plugins.contains { $0.modality == Modality("tabular") })
    }

    @Test("a model without the plugin's modality names what it has")
    func modelWithoutTheTower() async throws {
        let runtime = try FuseRuntime(modelDirectory: FixtureLocation.url("models/meta"))
        let library = try Self.buildCSVPlugin()
        defer { Self.remove(library) }
        try runtime.loadPlugin(at: library)
        await #expect {
            _ = try await runtime.embed(file: Self.csvFolder.appendingPathComponent("example.csv"))
        } throws: { error in
            "\(error)".contains("tabular") && "\(error)".contains("text")
        }
    }

    @Test("registered plugins load from the registry file, in order")
    func registryFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-reg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = PluginRegistryFile(url: folder.appendingPathComponent("plugins.json"))
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try Self.buildCSVPlugin()
        defer { Self.remove(library) }
        try file.register(libraryAt: library, name: "tables")
        let runtime = try FuseRuntime(modelDirectory: Self.model)
        let loaded = try runtime.loadRegisteredPlugins(from: file)
        #expect(loaded.map(\.id) == ["tables"])
        #expect(
            try runtime.registry.plugin(
                for: Self.csvFolder.appendingPathComponent("example.csv"),
                explicitID: nil
            ).id == "tables")
    }

    @Test("fuse plugins register, then fuse --inputs FILE.csv through the binary equals the torch reference")
    func throughTheCLI() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: MainCommandTests.binary.path),
            "build the fuse product first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = folder.appendingPathComponent("plugins.json")
        let environment = ["FUSE_PLUGIN_PATH": registry.path]
        let library = try Self.buildCSVPlugin()
        defer { Self.remove(library) }

        let registered = try MainCommandTests.fuse(["plugins", "register", library.path], environment: environment)
        #expect(registered.0 == 0, "\(registered.2)")
        let out = folder.appendingPathComponent("tables.json")
        let files = [
            Self.csvFolder.appendingPathComponent("example.csv"), FixtureLocation.url("plugins/tabular/long.csv"),
        ]
        let run = try MainCommandTests.fuse(
            ["--model", Self.model.path, "--quiet", "--inputs"] + files.map(\.path)
                + ["--fusion", "none", "--out", out.path], environment: environment)
        #expect(run.0 == 0, "\(run.2)")

        struct Row: Decodable { let input: String; let modality: String; let embedding: [Float] }
        let rows = try JSONDecoder().decode([Row].self, from: Data(contentsOf: out))
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: FixtureLocation.url("plugins/tabular/reference.json")))
        #expect(rows.count == 2)
        for row in rows {
            let name = URL(fileURLWithPath: row.input).lastPathComponent
            let expected = try #require(reference.embeddings[name])
            #expect(row.modality == "tabular")
            #expect(row.embedding.count == expected.count)
            let error = zip(row.embedding, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(error <= reference.tolerance, "\(name): max abs \(error)")
        }

        // Unregistered, the same job no longer knows .csv and says which file nobody claims.
        #expect(try MainCommandTests.fuse(["plugins", "unregister", "csv-tabular"], environment: environment).0 == 0)
        let orphan = try MainCommandTests.fuse(
            [
                "--model", Self.model.path, "--quiet", "--inputs", files[0].path,
                "--fusion", "none", "--out", folder.appendingPathComponent("b.json").path,
            ],
            environment: environment)
        #expect(orphan.0 != 0)
        #expect(orphan.2.contains("example.csv"), "\(orphan.2)")
    }
}
