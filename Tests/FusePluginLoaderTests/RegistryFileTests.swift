import Foundation
import FuseCore
import Testing
@testable import FusePluginLoader

/// The user's plugins.json: where it lives, how it is written, and the name and precedence rules.
@Suite struct RegistryFileTests {
    func freshFile() throws -> PluginRegistryFile {
        PluginRegistryFile(url: try PluginBuilds.temporaryFolder().appendingPathComponent("fuse/plugins.json"))
    }

    @Test func locationFollowsTheEnvironment() {
        let home = ["HOME": "/home/ada"]
        #expect(PluginRegistryFile.defaultLocation(environment: home).path == "/home/ada/.config/fuse/plugins.json")
        #expect(
            PluginRegistryFile.defaultLocation(environment: home.merging(["XDG_CONFIG_HOME": "/cfg"]) { $1 }).path
                == "/cfg/fuse/plugins.json")
        // A relative XDG_CONFIG_HOME is invalid per the XDG spec and ignored.
        #expect(
            PluginRegistryFile.defaultLocation(environment: home.merging(["XDG_CONFIG_HOME": "rel"]) { $1 }).path
                == "/home/ada/.config/fuse/plugins.json")
        let overridden = home.merging(["XDG_CONFIG_HOME": "/cfg", "FUSE_PLUGIN_PATH": "/tmp/p.json"]) { $1 }
        #expect(PluginRegistryFile.user(environment: overridden).url.path == "/tmp/p.json")
    }

    @Test func missingFileIsAnEmptyRegistryAndEntriesRoundTrip() throws {
        let file = try freshFile()
        #expect(try file.read() == [])
        let entries = [
            RegisteredPlugin(name: "a", path: "/x/liba.so", pluginID: "a", modality: "tabular", abiVersion: 1),
            RegisteredPlugin(name: "b2", path: "/x/libb.so", pluginID: "b", modality: "bytes", abiVersion: 1),
        ]
        try file.write(entries)
        #expect(try file.read() == entries)
        let json = try String(contentsOf: file.url, encoding: .utf8)
        #expect(json.contains("\"format\" : 1"))
        #expect(try PluginRegistryFile(url: URL(fileURLWithPath: "/dev/null")).read() == [])
    }

    @Test func writesAreAtomicAndLeaveNoTemporaryFiles() throws {
        let file = try freshFile()
        let entry = RegisteredPlugin(name: "a", path: "/x/liba.so", pluginID: "a", modality: "m", abiVersion: 1)
        try file.write([entry])
        try file.write([
            entry, RegisteredPlugin(name: "b", path: "/x/b.so", pluginID: "b", modality: "m", abiVersion: 1),
        ])
        let folder = file.url.deletingLastPathComponent()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["plugins.json"])

        // A rename that cannot happen (the target is a non-empty folder) fails with a named error and cleans up.
        let blocked = folder.appendingPathComponent("blocked.json")
        try FileManager.default.createDirectory(
            at: blocked.appendingPathComponent("inner"),
            withIntermediateDirectories: true)
        #expect(throws: FuseError.self) { try PluginRegistryFile(url: blocked).write([entry]) }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                == ["blocked.json", "plugins.json"])
        #expect(try file.read().count == 2)
    }

    @Test func devicesAreNeverReplacedAndSymlinksAreFollowed() throws {
        let devNull = PluginRegistryFile(url: URL(fileURLWithPath: "/dev/null"))
        let library = try PluginBuilds.testPlugin()
        #expect(
            throws: FuseError.writeFailed(
                path: "/dev/null", reason: "exists and is not a regular file; refusing to replace it")
        ) {
            try devNull.register(libraryAt: library)
        }
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)

        let folder = try PluginBuilds.temporaryFolder()
        let target = folder.appendingPathComponent("real.json")
        let link = folder.appendingPathComponent("plugins.json")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        try PluginRegistryFile(url: link).register(libraryAt: library)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == target.path)
        #expect(try PluginRegistryFile(url: target).read().map(\.name) == ["test-bytes"])
    }

    @Test(arguments: [
        ("{not json", "not JSON"),
        (#"{"format": 2, "plugins": []}"#, "format 2, this fuse reads format 1"),
        (#"{"format": 1}"#, "missing field 'plugins' at top level"),
        (
            #"{"format": 1, "plugins": [{"name": "a", "path": "/a", "pluginID": "a", "modality": "m", "abiVersion": 1},"#
                + #"{"name": "a", "path": "/b", "pluginID": "a", "modality": "m", "abiVersion": 1}]}"#,
            "name 'a' appears twice"
        ),
    ])
    func malformedFilesAreNamed(text: String, reason: String) throws {
        let file = try freshFile()
        try FileManager.default.createDirectory(
            at: file.url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file.url)
        do {
            _ = try file.read()
            Issue.record("malformed registry was accepted")
        } catch let PluginRegistryFileError.malformed(path, message) {
            #expect(path == file.url.path)
            #expect(message.hasPrefix(reason))
        }
    }

    @Test func registerValidatesRejectsDuplicatesAndUnregisters() throws {
        let file = try freshFile()
        let library = try PluginBuilds.testPlugin()
        let plugin = try file.register(libraryAt: library)
        #expect(plugin.id == "test-bytes")
        #expect(
            try file.read() == [
                RegisteredPlugin(
                    name: "test-bytes", path: library.resolvingSymlinksInPath().path,
                    pluginID: "test-bytes", modality: "byte-features", abiVersion: 1)
            ])
        #expect(
            throws: PluginRegistryFileError.duplicateName(
                name: "test-bytes", holder: "registered from \(library.resolvingSymlinksInPath().path)")
        ) {
            try file.register(libraryAt: library)
        }
        try file.register(libraryAt: library, name: "bytes-again")
        #expect(throws: PluginRegistryFileError.duplicateName(name: "text", holder: "a built-in plugin")) {
            try file.register(libraryAt: library, name: "text", reservedNames: ["text"])
        }
        #expect(
            throws: PluginRegistryFileError.unknownName(
                name: "nope", file: file.url.path, registered: ["test-bytes", "bytes-again"])
        ) {
            try file.unregister(name: "nope")
        }
        #expect(try file.unregister(name: "test-bytes").name == "test-bytes")
        #expect(try file.read().map(\.name) == ["bytes-again"])
    }

    @Test func brokenLibrariesAreNeverRecorded() throws {
        let file = try freshFile()
        let library = try PluginBuilds.testPlugin(["BREAK_NULL_FREE"])
        #expect(throws: PluginLoadError.nullFunction(library: library.path, function: "free_result")) {
            try file.register(libraryAt: library)
        }
        #expect(!FileManager.default.fileExists(atPath: file.url.path))
    }

    @Test func twoPluginsClaimingOneExtensionHaveDeterministicPrecedence() throws {
        let file = try freshFile()
        let folder = try PluginBuilds.temporaryFolder()
        let first = try PluginBuilds.testPlugin([#"PLUGIN_ID="bytes-first""#], into: folder, name: "libfirst.so")
        let second = try PluginBuilds.testPlugin([#"PLUGIN_ID="bytes-second""#], into: folder, name: "libsecond.so")
        try file.register(libraryAt: second)
        try file.register(libraryAt: first)
        // A built-in claiming the same extension comes before every registered plugin.
        let builtin = StubPlugin(id: "builtin-bytes", extensions: ["tbytes"])
        let assembly = try PluginAssembly.inspect(builtins: [builtin], file: file)
        #expect(assembly.failures.isEmpty)
        #expect(assembly.registry.plugins.map(\.id) == ["builtin-bytes", "bytes-second", "bytes-first"])
        #expect(assembly.conflicts.map(\.ext) == ["tbytes"])
        #expect(assembly.conflicts.first?.claimants == ["builtin-bytes", "bytes-second", "bytes-first"])
        #expect(assembly.registry.plugin(forPrefix: [], extension: "tbytes")?.id == "builtin-bytes")
        // Magic bytes: the built-in has none, so the first registered plugin with a matching signature wins.
        #expect(assembly.registry.plugin(forPrefix: Array("TBYT".utf8), extension: "")?.id == "bytes-second")

        let withoutBuiltin = try PluginRegistry.assembled(builtins: [], file: file)
        #expect(withoutBuiltin.plugin(forPrefix: [], extension: "tbytes")?.id == "bytes-second")
    }

    @Test func aRegisteredLibraryThatDisappearedIsReported() throws {
        let file = try freshFile()
        let library = try PluginBuilds.testPlugin([#"PLUGIN_ID="vanishing""#])
        try file.register(libraryAt: library)
        try FileManager.default.removeItem(at: library)
        let assembly = try PluginAssembly.inspect(builtins: [], file: file)
        #expect(assembly.failures.map(\.entry.name) == ["vanishing"])
        #expect(assembly.registry.plugins.isEmpty)
        #expect(
            throws: PluginRegistryFileError.registeredPluginUnusable(
                name: "vanishing", file: file.url.path, reason: "\(library.path): no such file or directory")
        ) {
            try PluginRegistry.assembled(builtins: [], file: file)
        }
    }

    @Test func registryLevelLoadPluginRejectsDuplicateNames() throws {
        var registry = try PluginRegistry([StubPlugin(id: "test-bytes", extensions: [])])
        let library = try PluginBuilds.testPlugin()
        #expect(throws: FuseError.duplicatePlugin(id: "test-bytes")) { try registry.loadPlugin(at: library) }
        let loaded = try registry.loadPlugin(at: library, name: "bytes-2")
        #expect(try registry.plugin(id: "bytes-2").modality == loaded.modality)
    }
}

/// A Swift plugin standing in for a built-in.
struct StubPlugin: ModalityPlugin {
    let id: String
    let extensions: [String]
    var modality: Modality { "stub" }
    var claims: PluginClaims { PluginClaims(extensions: extensions) }
    func decode(contentsOf url: URL) throws -> Sample { .ids([0], modality: modality) }
    func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] { [] }
}
