import Foundation
import FuseCore
import Synchronization
import Testing
@testable import FusePluginLoader

/// Loading real shared libraries compiled during the test from `Tests/Fixtures/plugins/test_plugin.c` and the
/// out-of-tree sample `samples/plugins/csv-tabular`. The reference for decoded values is the input file itself
/// (bytes, or the CSV's decimal numbers rounded to Float32), compared exactly.
@Suite struct LoaderTests {
    @Test func loadsTheCSVSampleAndDecodesRows() throws {
        let library = try PluginBuilds.csvPlugin()
        let plugin = try LoadedPlugin.load(from: library)
        #expect(plugin.id == "csv-tabular")
        #expect(plugin.modality == Modality("tabular"))
        #expect(plugin.descriptor.abiVersion == 1)
        #expect(plugin.claims == PluginClaims(extensions: ["csv"], mimeTypes: ["text/csv"]))
        #expect(plugin.libraryPath == library.path)

        let sample = try plugin.decode(contentsOf: PluginBuilds.csvSample.appendingPathComponent("example.csv"))
        guard case .features(let tensor, let modality) = sample else {
            Issue.record("expected features, got \(sample)")
            return
        }
        #expect(modality == Modality("tabular"))
        #expect(tensor.shape == [5, 4])
        let expected: [Float] = [
            5.1, 3.5, 1.4, 0.2, 4.9, 3.0, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5,
            5.8, 2.7, 5.1, 1.9, 7.0, 3.2, 4.7, 1.4,
        ]
        #expect(tensor.scalars == expected)
    }

    @Test(arguments: [
        ("a,b\n1,2\n3\n", "line 3: 1 fields, expected 2 like the first line"),
        ("1,2\n3,x\n", "line 2, field 2: not a number"),
        ("only,a,header\n", "no data rows (empty file or header only)"),
    ])
    func csvSampleReportsBadRowsThroughLastError(text: String, message: String) throws {
        let plugin = try LoadedPlugin.load(from: PluginBuilds.csvPlugin())
        let file = try PluginBuilds.file("bad.csv", text: text)
        #expect(
            throws: PluginLoadError.decodeFailed(
                plugin: "csv-tabular", library: plugin.libraryPath,
                file: file.path, message: message)
        ) {
            try plugin.decode(contentsOf: file)
        }
    }

    @Test func featuresAreCopiedAndEveryResultIsFreedOnce() throws {
        let library = try PluginBuilds.testPlugin()
        let plugin = try LoadedPlugin.load(from: library, name: "bytes-a")
        #expect(plugin.id == "bytes-a")
        #expect(plugin.descriptor.id == "test-bytes")
        let file = try PluginBuilds.file("x.tbytes", [7, 200, 3])
        for _ in 0..<3 {
            guard case .features(let tensor, _) = try plugin.decode(contentsOf: file) else {
                Issue.record("expected features")
                return
            }
            #expect(tensor.shape == [3, 2])
            #expect(tensor.scalars == [7, 0, 200, 1, 3, 2])
        }
        // Failed decodes (empty file) own nothing and must not be freed.
        let empty = try PluginBuilds.file("e.tbytes", [])
        #expect(throws: PluginLoadError.self) { try plugin.decode(contentsOf: empty) }
        #expect(try freeCount(library) == 3)
    }

    @Test func idsModeDecodesToIDs() throws {
        let plugin = try LoadedPlugin.load(from: PluginBuilds.testPlugin(["IDS_MODE"]))
        let sample = try plugin.decode(contentsOf: PluginBuilds.file("x.tbytes", [1, 2, 250]))
        guard case .ids(let ids, let modality) = sample else {
            Issue.record("expected ids, got \(sample)")
            return
        }
        #expect(ids == [1, 2, 250])
        #expect(modality == Modality("bytes"))
    }

    @Test func sniffingUsesTheDeclaredSignature() throws {
        let plugin = try LoadedPlugin.load(from: PluginBuilds.testPlugin())
        #expect(plugin.claims.signatures == [MagicSignature(ascii: "TBYT")])
        #expect(plugin.sniff(Array("TBYTxyz".utf8)) == .definite)
        #expect(plugin.sniff(Array("PNG".utf8)) == .no)
    }

    @Test func decodesConcurrentlyFromBothCores() throws {
        let plugin = try LoadedPlugin.load(from: PluginBuilds.testPlugin())
        let files = try (0..<8).map { try PluginBuilds.file("f\($0).tbytes", [UInt8($0), 1, 2, 3]) }
        let firsts = Mutex<[Int: Float]>([:])
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            if case .features(let tensor, _)? = try? plugin.decode(contentsOf: files[index]) {
                firsts.withLock { $0[index] = tensor[0, 0] }
            }
        }
        #expect(firsts.withLock { $0 } == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, Float($0)) }))
    }

    @Test func missingFilesAreNamed() throws {
        #expect(throws: FuseError.fileNotFound(path: "/nonexistent/libx.so")) {
            try LoadedPlugin.load(from: URL(fileURLWithPath: "/nonexistent/libx.so"))
        }
        let plugin = try LoadedPlugin.load(from: PluginBuilds.testPlugin())
        #expect(throws: FuseError.fileNotFound(path: "/nonexistent/a.tbytes")) {
            try plugin.decode(contentsOf: URL(fileURLWithPath: "/nonexistent/a.tbytes"))
        }
    }

    @Test func invalidRegisteredNameIsRejected() throws {
        let library = try PluginBuilds.testPlugin()
        #expect(throws: FuseError.self) { try LoadedPlugin.load(from: library, name: "../evil name") }
    }

    private func freeCount(_ library: URL) throws -> Int32 {
        // The library is already loaded, so this returns the same handle and its counter.
        let handle = try #require(dlopen(library.path, RTLD_NOW | RTLD_NOLOAD))
        let symbol = try #require(dlsym(handle, "test_plugin_free_count"))
        typealias Count = @convention(c) () -> Int32
        return unsafeBitCast(symbol, to: Count.self)()
    }
}
