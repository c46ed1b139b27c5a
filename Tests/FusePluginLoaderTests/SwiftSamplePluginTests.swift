import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import FusePluginLoader

/// The out-of-tree Swift sample (samples/plugins/npy-swift, built with FusePluginKit as its own SwiftPM package)
/// built here with `swift build`, loaded through dlopen, and checked against numpy: Tests/Fixtures/plugins/npy holds
/// arrays written by `np.save` and the values `np.load` reads back (tools/reference/plugin_npy_fixtures.py).
/// Tolerance: exact (f2/f4 widen exactly; f8 → f32 rounds to nearest in both numpy and Swift).
@Suite struct SwiftSamplePluginTests {
    static let fixtures = FixturePaths.url("plugins/npy")

    /// Built once per test run into an ignored scratch folder under `.build/` (about 10 s the first time on two
    /// cores, incremental afterwards). It resolves the same dependencies as Fuse itself.
    static let library: Result<URL, BuildFailure> = {
        let scratch = PluginBuilds.root.appendingPathComponent(".build/fuse-samples/npy-swift")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "swift", "build", "--package-path",
            PluginBuilds.root.appendingPathComponent("samples/plugins/npy-swift").path,
            "--scratch-path", scratch.path,
        ]
        let log = Pipe()
        process.standardOutput = log
        process.standardError = log
        do { try process.run() } catch {
            return .failure(BuildFailure(command: "swift build", output: "\(error)"))
        }
        let output = log.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let built = scratch.appendingPathComponent("debug/libNpyFeatures.so")
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: built.path) else {
            return .failure(
                BuildFailure(
                    command: process.arguments!.joined(separator: " "),
                    output: String(decoding: output, as: UTF8.self)))
        }
        return .success(built)
    }()

    struct Expected: Decodable {
        let kind: String
        let shape: [Int]
        let values: [Double]
    }

    static let expected: [String: Expected] = {
        let data = (try? Data(contentsOf: fixtures.appendingPathComponent("expected.json"))) ?? Data()
        return (try? JSONDecoder().decode([String: Expected].self, from: data)) ?? [:]
    }()

    @Test func loadsWithItsClaims() throws {
        let plugin = try LoadedPlugin.load(from: Self.library.get())
        #expect(plugin.id == "npy-features")
        #expect(plugin.modality == Modality("features"))
        #expect(plugin.claims.extensions == ["npy"])
        #expect(plugin.sniff([0x93] + Array("NUMPY".utf8) + [1, 0]) == .definite)
    }

    @Test(arguments: ["features_f4", "features_f8", "features_f2", "features_fortran", "vector_f4", "ids_i8", "ids_u2"])
    func decodesLikeNumpy(name: String) throws {
        let plugin = try LoadedPlugin.load(from: Self.library.get())
        let expected = try #require(Self.expected[name], "missing \(name) in expected.json")
        let sample = try plugin.decode(contentsOf: Self.fixtures.appendingPathComponent("\(name).npy"))
        switch sample {
        case .features(let tensor, _):
            #expect(expected.kind == "features")
            #expect(tensor.shape == expected.shape)
            #expect(tensor.scalars == expected.values.map { Float($0) })
        case .ids(let ids, _):
            #expect(expected.kind == "ids")
            #expect(ids == expected.values.map { Int32($0) })
        default:
            Issue.record("unexpected sample \(sample)")
        }
    }

    @Test(arguments: [
        ("bad_negative_ids", "id -1 at index 1 is not a token id (0 ..< 2^31)"),
        ("bad_rank3", "shape [2, 2, 2] of this dtype is not supported: use [T, P] floats or [N] integers"),
        ("bad_big_endian", "dtype '>f4' is not supported (little-endian f2/f4/f8 or i/u integers)"),
    ])
    func refusesWhatItCannotRepresent(name: String, message: String) throws {
        let library = try Self.library.get()
        let plugin = try LoadedPlugin.load(from: library)
        let file = Self.fixtures.appendingPathComponent("\(name).npy")
        #expect(
            throws: PluginLoadError.decodeFailed(
                plugin: "npy-features", library: library.path, file: file.path,
                message: message)
        ) {
            try plugin.decode(contentsOf: file)
        }
    }
}
