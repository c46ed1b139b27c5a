import Foundation
import Fuse
@testable import FuseTokenizers
import FuseTestSupport
import Testing
@testable import TextBPE

/// The text plugin end to end: FuseRuntime with the real all-MiniLM-L6-v2 (fetched by tools/setup_models.sh)
/// against sentence-transformers, on fixtures from tools/reference/text_plugin_reference.py. Tolerance: 1e-4 max
/// abs on unit-normalised embeddings (the model's own parity bound); window ids must equal HF tokenizers' exactly.
enum PluginFixtures {
    struct LongCase: Decodable {
        let overlap: Int
        let window_ids: [[Int32]]
        let embedding: [Float]
    }
    struct Sample: Decodable {
        let file: String
        let embedding: [Float]
    }
    struct Invalid: Decodable {
        let offset: Int
        let replaced_text: String
        let embedding: [Float]
    }
    struct Expected: Decodable {
        let max_seq_length: Int
        let samples: [Sample]
        let long: [LongCase]
        let invalid: Invalid
    }

    static let folder = TextFixtures.url("plugin")
    static let repository = TextFixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
    }

    static func minilm() throws -> URL {
        let folder = repository.appendingPathComponent("models/all-MiniLM-L6-v2")
        try FuseError.requireFile(folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite("TextPlugin end to end with all-MiniLM-L6-v2")
struct TextPluginRuntimeTests {
    @Test("samples/text/*.txt through FuseRuntime equal sentence-transformers (≤ 1e-4)")
    func samples() async throws {
        let expected = try PluginFixtures.expected()
        let runtime = try FuseRuntime(modelDirectory: PluginFixtures.minilm())
        let files = expected.samples.map {
            PluginFixtures.repository.appendingPathComponent("samples/text").appendingPathComponent($0.file)
        }
        #expect(files.count == 7)
        let batch = try await runtime.embed(files: files)
        for (embedding, reference) in zip(batch, expected.samples) {
            #expect(maxAbsDifference(embedding.vector, reference.embedding) <= 1e-4, "\(reference.file)")
            #expect(embedding.modality == .text)
        }
        let single = try await runtime.embed(file: files[2])
        #expect(maxAbsDifference(single.vector, expected.samples[2].embedding) <= 1e-4)
        let text = try String(contentsOf: files[0], encoding: .utf8)
        let fromString = try await runtime.embed(text: text)
        #expect(maxAbsDifference(fromString.vector, expected.samples[0].embedding) <= 1e-4)
    }

    @Test(
        "a long document: windows equal HF tokenizers' overflow windows, embedding equals the reference mean",
        arguments: [0, 1])
    func longDocument(caseIndex: Int) async throws {
        let reference = try PluginFixtures.expected().long[caseIndex]
        let loaded = try EncoderModel.load(directory: PluginFixtures.minilm())
        var context = try #require(loaded.preprocessing[.text])
        #expect(context.maxTokens == 256)
        context.windowOverlap = reference.overlap
        let model = EncoderModel(
            directory: loaded.directory, modelType: loaded.modelType, towers: loaded.towers,
            preprocessing: [.text: context])
        let runtime = try FuseRuntime(model: model)
        let url = PluginFixtures.folder.appendingPathComponent("long.txt")

        let plugin = TextPlugin()
        let windows = try plugin.tokenize(plugin.decode(contentsOf: url), context: context)
        #expect(windows.count == reference.window_ids.count)
        for (window, ids) in zip(windows, reference.window_ids) {
            guard case .ids(let got) = window.content else { Issue.record("expected ids"); continue }
            #expect(got == ids)
            #expect(window.attentionMask == [Int32](repeating: 1, count: ids.count))
            #expect(window.tokenTypeIDs == [Int32](repeating: 0, count: ids.count))
        }
        let single = try await runtime.embed(file: url)
        #expect(maxAbsDifference(single.vector, reference.embedding) <= 1e-4)
        let batch = try await runtime.embed(files: [url, url])
        #expect(batch.allSatisfy { maxAbsDifference($0.vector, reference.embedding) <= 1e-4 })
    }

    @Test("invalid UTF-8 replaced on request embeds as sentence-transformers embeds Python's replaced text")
    func replacedInvalidUTF8() async throws {
        let expected = try PluginFixtures.expected().invalid
        let runtime = try FuseRuntime(
            modelDirectory: PluginFixtures.minilm(),
            plugins: [TextPlugin(invalidUTF8: .replace)])
        let url = PluginFixtures.folder.appendingPathComponent("invalid.txt")
        #expect(try TextFileReader(invalidUTF8: .replace).read(contentsOf: url) == expected.replaced_text)
        let embedding = try await runtime.embed(file: url)
        #expect(maxAbsDifference(embedding.vector, expected.embedding) <= 1e-4)
    }
}

@Suite("TextPlugin")
struct TextPluginTests {
    let minilmTokenizer = TextFixtures.url("minilm")

    @Test("claims .txt/.md, sniffs UTF-8 text as possible, a BOM as definite, binary as no")
    func sniffing() throws {
        let plugin = TextPlugin()
        #expect(plugin.claims.extensions.contains("txt") && plugin.claims.extensions.contains("md"))
        #expect(plugin.sniff(Array("# Title\n\nSome *markdown*.\r\n\tTabbed.".utf8)) == .possible)
        #expect(plugin.sniff([0xEF, 0xBB, 0xBF] + Array("hi".utf8)) == .definite)
        // A prefix cut inside "é" (C3 A9) is still text.
        #expect(plugin.sniff(Array("caf".utf8) + [0xC3]) == .possible)
        #expect(plugin.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .no)
        #expect(plugin.sniff([1, 2, 3]) == .no)
        #expect(plugin.sniff(Array("abc".utf8) + [0xFF, 0x41]) == .no)
        let registry = try BuiltinPlugins.registry()
        #expect(registry.plugins.map(\.id) == ["text-bpe", "image-patch", "audio-frames"])
        #expect(registry.plugin(forPrefix: Array("plain words".utf8), extension: "log")?.id == "text-bpe")
    }

    @Test("finds the tokenizer in the model folder, else in its text/ subfolder; adds special tokens")
    func tokenizerLookup() throws {
        let plugin = TextPlugin()
        let direct = try plugin.tokenize(
            .text("Hello, world!"),
            context: PreprocessingContext(modelDirectory: minilmTokenizer))
        let reference = try TextFixtures.tokenizer("minilm/tokenizer.json").encodeWindows(
            "Hello, world!", policy: WindowPolicy(maxLength: nil))
        guard case .ids(let ids) = direct[0].content else { Issue.record("expected ids"); return }
        #expect(ids == [101, 7592, 1010, 2088, 999, 102])  // HF: [CLS] hello , world ! [SEP]
        #expect(ids == reference[0].ids)

        let model = try PluginFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: model) }
        try FileManager.default.createDirectory(
            at: model.appendingPathComponent("text"),
            withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: minilmTokenizer.appendingPathComponent("vocab.txt"),
            to: model.appendingPathComponent("text/vocab.txt"))
        let nested = try plugin.tokenize(.text("Hello, world!"), context: PreprocessingContext(modelDirectory: model))
        guard case .ids(let nestedIDs) = nested[0].content else { Issue.record("expected ids"); return }
        #expect(nestedIDs == ids)

        // Empty text still gives [CLS] [SEP].
        let empty = try plugin.tokenize(.text(""), context: PreprocessingContext(modelDirectory: minilmTokenizer))
        #expect(empty.count == 1 && empty[0].count == 2)
    }

    @Test("windows cover every token: sizes, overlap, the last window ends at the text's end")
    func windowing() throws {
        let tokenizer = try TextFixtures.tokenizer("minilm/tokenizer.json")
        let text = (1...60).map { "word\($0)" }.joined(separator: " ")
        let all = try tokenizer.encodeWindows(text, policy: WindowPolicy(maxLength: nil), addSpecialTokens: false)[0]
            .ids
        let windows = try tokenizer.encodeWindows(text, policy: WindowPolicy(maxLength: 50, overlap: 8))
        #expect(all.count > 100)
        var covered: [Int32] = []
        for (index, window) in windows.enumerated() {
            #expect(window.count <= 50)
            #expect(window.ids.first == 101 && window.ids.last == 102)
            let body = Array(window.ids.dropFirst().dropLast())
            if index > 0 { #expect(Array(covered.suffix(8)) == Array(body.prefix(8))) }
            covered += index == 0 ? body : Array(body.dropFirst(8))
        }
        #expect(covered == all)
    }

    @Test("bad settings: overlap not below the window's text tokens, a window with no room for text")
    func badWindows() throws {
        let plugin = TextPlugin()
        let text = Sample.text(String(repeating: "token ", count: 40))
        #expect(
            throws: TokenizerError.invalidOption(
                name: "windowOverlap", reason: "8 must be smaller than the 8 text tokens of a window so windows advance"
            )
        ) {
            try plugin.tokenize(
                text,
                context: PreprocessingContext(
                    modelDirectory: minilmTokenizer, maxTokens: 10,
                    windowOverlap: 8))
        }
        #expect(
            throws: TokenizerError.invalidOption(
                name: "maxTokens", reason: "2 leaves no room for text beside the 2 special tokens")
        ) {
            try plugin.tokenize(text, context: PreprocessingContext(modelDirectory: minilmTokenizer, maxTokens: 2))
        }
    }

    @Test("invalid UTF-8 is an error naming the file and the byte offset (after a BOM too)")
    func invalidUTF8() throws {
        let url = PluginFixtures.folder.appendingPathComponent("invalid.txt")
        let offset = try PluginFixtures.expected().invalid.offset
        #expect(throws: TokenizerError.invalidUTF8(source: url.path, offset: offset)) {
            try TextPlugin().decode(contentsOf: url)
        }
        let reader = TextFileReader()
        #expect(throws: TokenizerError.invalidUTF8(source: "x", offset: 5)) {
            try reader.text(from: Data([0xEF, 0xBB, 0xBF, 0x41, 0x42, 0xE2, 0x82]), source: "x")
        }
        #expect(throws: TokenizerError.invalidUTF8(source: "x", offset: 1)) {
            try reader.text(from: Data([0x41, 0xED, 0xA0, 0x80]), source: "x")  // a surrogate
        }
        #expect(try reader.text(from: Data([0xEF, 0xBB, 0xBF] + Array("ok".utf8)), source: "x") == "ok")
    }

    @Test("a model folder without tokenizer files: the error names the folder")
    func missingTokenizer() throws {
        let folder = try PluginFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TokenizerError.noTokenizerFiles(directory: folder.path)) {
            try TextPlugin().tokenize(.text("hi"), context: PreprocessingContext(modelDirectory: folder))
        }
        #expect(throws: TokenizerError.self) { try TextPlugin().tokenize(.text("hi"), context: PreprocessingContext()) }
        let missing = folder.appendingPathComponent("nothing.txt")
        #expect(throws: TokenizerError.fileNotFound(path: missing.path)) {
            try TextPlugin().decode(contentsOf: missing)
        }
    }

    @Test("a corrupt tokenizer.json: the error names the file and what is wrong")
    func corruptTokenizer() throws {
        let folder = try PluginFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tokenizer.json")
        try Data("{\"version\": \"1.0\", \"model\": ".utf8).write(to: file)
        do {
            _ = try TextPlugin().tokenize(.text("hi"), context: PreprocessingContext(modelDirectory: folder))
            Issue.record("expected an error")
        } catch let error as TokenizerError {
            guard case .invalidJSON(let named, _) = error else { Issue.record("got \(error)"); return }
            #expect(named == file.path)
            #expect(error.description.hasPrefix(file.path + ": invalid JSON"))
        }
        let other = try PluginFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: other) }
        let noModel = other.appendingPathComponent("tokenizer.json")
        try Data("{\"version\": \"1.0\", \"added_tokens\": []}".utf8).write(to: noModel)
        #expect(throws: TokenizerError.missingField(file: noModel.path, field: "model")) {
            try TextPlugin().tokenize(.text("hi"), context: PreprocessingContext(modelDirectory: other))
        }
    }

    @Test("a file over the size limit is refused before it is read")
    func tooLarge() throws {
        let folder = try PluginFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("big.txt")
        try Data(repeating: 0x61, count: 100).write(to: file)
        #expect(throws: TokenizerError.textTooLarge(path: file.path, bytes: 100, limit: 64)) {
            try TextPlugin(reader: TextFileReader(maxBytes: 64)).decode(contentsOf: file)
        }
    }
}
