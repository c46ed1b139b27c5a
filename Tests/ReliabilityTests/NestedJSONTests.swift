import AudioFrames
import Foundation
import Fuse
import FuseCore
import FuseModels
import FusePluginLoader
import FuseTokenizers
import ImagePatch
import Testing

/// JSON nested 100,000 levels deep (a few hundred KB that would overflow a recursive parser's stack) is a named
/// error from every loader, never a crash. Foundation's parsers refuse nesting beyond 512 levels.
@Suite("Reliability: deeply nested JSON")
struct NestedJSONTests {
    static let depth = 100_000
    static let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)

    static func write(_ text: String, named name: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test("config.json, tokenizer.json, plugins.json and a safetensors header nested 100,000 deep are errors")
    func loaders() throws {
        let folder = try ReliabilityFixtures.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let document = #"{"model_type": "bert", "x": "# + Self.nested + "}"

        let config = try Self.write(document, named: "config.json", in: folder)
        // JSONSerialization refuses nesting past 512; the reason places it: column 28 + 512.
        #expect(
            throws: FuseError.invalidConfig(
                file: config.path,
                reason: "line 1, column 540: nested more than 512 levels deep")
        ) {
            _ = try ConfigFile(url: config)
        }
        #expect(throws: TokenizerError.self) { _ = try Tokenizer.fromJSON(Data(document.utf8)) }

        let registry = try Self.write(document, named: "plugins.json", in: folder)
        #expect(throws: PluginRegistryFileError.self) { _ = try PluginRegistryFile(url: registry).read() }

        var bytes = withUnsafeBytes(of: UInt64(document.utf8.count).littleEndian) { Data($0) }
        bytes.append(Data(document.utf8))
        let checkpoint = folder.appendingPathComponent("model.safetensors")
        try bytes.write(to: checkpoint)
        #expect {
            _ = try SafetensorsFile(url: checkpoint)
        } throws: { error in
            guard case SafetensorsError.headerNotJSON(let path, _) = error else { return false }
            return path == checkpoint.path
        }
    }

    @Test("preprocessor_config.json (image and audio readers) and a manifest line nested 100,000 deep are errors")
    func preprocessorAndManifest() throws {
        let folder = try ReliabilityFixtures.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        let config = try Self.write(
            #"{"image_processor_type": "CLIPImageProcessor", "x": "# + Self.nested + "}",
            named: "preprocessor_config.json", in: folder)
        #expect {
            _ = try ImagePreprocessor(configURL: config)
        } throws: { error in
            guard case FuseError.invalidConfig(let file, _) = error else { return false }
            return file == config.path
        }
        #expect {
            _ = try AudioPatchRecipe(preprocessorConfig: config)
        } throws: { error in
            guard case AudioError.invalidRecipe(let source, _) = error else { return false }
            return source == config.path
        }

        let manifest = try Self.write(
            #"{"group": "g", "inputs": ["a.png"], "x": "# + Self.nested + "}\n",
            named: "inputs.jsonl", in: folder)
        #expect {
            _ = try GroupManifest.read(manifest)
        } throws: { error in
            guard case InputListError.badLine(let path, 1, _) = error else { return false }
            return path == manifest.path
        }
    }
}
