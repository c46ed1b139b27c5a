import Foundation
import FuseCore
import FusePluginKit
import Testing
@testable import FusePluginLoader

/// FusePluginKit builds the same C descriptor a C plugin exports; here it is read in process through the loader's
/// checks (the dlopen path is covered by LoaderTests and samples/plugins/npy-swift).
@Suite struct PluginKitTests {
    static let export = FusePluginExport(
        id: "kit-demo", modality: "demo", extensions: ["kitd"], mimeTypes: ["application/x-kit-demo"],
        signatures: [PluginSignature(offset: 2, bytes: Array("KD".utf8))]
    ) { path in
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        switch bytes.first {
        case UInt8(ascii: "f"): return .features([1, 2, 3, 4, 5, 6], rows: 3, columns: 2)
        case UInt8(ascii: "i"): return .ids(bytes.dropFirst().map { Int32($0) })
        case UInt8(ascii: "s"): return .features([1, 2, 3], rows: 2, columns: 2)
        default: throw PluginError("first byte must be f, i or s")
        }
    }

    func plugin() throws -> LoadedPlugin {
        LoadedPlugin(
            descriptor: try PluginDescriptor.read(Self.export.descriptor, library: "kit-test"),
            origin: "kit-test")
    }

    @Test func descriptorCarriesTheClaims() throws {
        let plugin = try plugin()
        #expect(plugin.id == "kit-demo")
        #expect(plugin.modality == Modality("demo"))
        #expect(plugin.descriptor.abiVersion == 1)
        #expect(
            plugin.claims
                == PluginClaims(
                    extensions: ["kitd"], mimeTypes: ["application/x-kit-demo"],
                    signatures: [MagicSignature(offset: 2, ascii: "KD")]))
    }

    @Test func featuresAndIDsCrossTheABI() throws {
        let plugin = try plugin()
        guard case .features(let tensor, _) = try plugin.decode(contentsOf: PluginBuilds.file("a.kitd", text: "f"))
        else {
            Issue.record("expected features")
            return
        }
        #expect(tensor.shape == [3, 2])
        #expect(tensor.scalars == [1, 2, 3, 4, 5, 6])
        guard case .ids(let ids, _) = try plugin.decode(contentsOf: PluginBuilds.file("b.kitd", text: "i\u{3}\u{9}"))
        else {
            Issue.record("expected ids")
            return
        }
        #expect(ids == [3, 9])
    }

    @Test func thrownErrorsAndBadShapesBecomeDecodeErrors() throws {
        let plugin = try plugin()
        let bad = try PluginBuilds.file("c.kitd", text: "x")
        #expect(
            throws: PluginLoadError.decodeFailed(
                plugin: "kit-demo", library: "kit-test", file: bad.path,
                message: "first byte must be f, i or s")
        ) {
            try plugin.decode(contentsOf: bad)
        }
        let shape = try PluginBuilds.file("d.kitd", text: "s")
        #expect(
            throws: PluginLoadError.decodeFailed(
                plugin: "kit-demo", library: "kit-test", file: shape.path,
                message: "plugin produced 3 values for shape [2, 2]")
        ) {
            try plugin.decode(contentsOf: shape)
        }
    }
}
