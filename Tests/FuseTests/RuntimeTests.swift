import Foundation
import Fuse
import FuseTestSupport
import Testing

/// A plugin used only by these tests: `.ids` files of whitespace-separated token ids, so the runtime's file,
/// batch and concurrency paths are checked against sentence-transformers without depending on a tokenizer.
struct TokenIDsPlugin: ModalityPlugin {
    let id = "test-token-ids"
    let modality = Modality.text
    let claims = PluginClaims(extensions: ["ids"])

    func decode(contentsOf url: URL) throws -> Sample {
        let text = try String(contentsOf: url, encoding: .utf8)
        return .ids(text.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }, modality: .text)
    }

    func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] {
        guard case .ids(let ids, _) = sample else {
            throw FuseError.unsupportedSample(plugin: id, reason: "expects ids")
        }
        return [try Tokens(modality: .text, content: .ids(ids))]
    }
}

enum RuntimeFixtures {
    static let models = FixtureLocation.url("models")

    /// The tiny BERT's reference sentences written as `.ids` files (real tokens only), with their
    /// sentence-transformers embeddings.
    static func idFiles() throws -> (files: [URL], expected: [[Float]]) {
        let reference = try SafetensorsFile(url: models.appendingPathComponent("reference/bert.safetensors"))
        let ids = try reference.tensor("ids"), mask = try reference.tensor("mask")
        let expected = try reference.tensor("st_embeddings")
        let (rows, width) = (ids.shape[0], ids.shape[1])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-ids-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var files: [URL] = []
        for row in 0..<rows {
            let real = (0..<width).filter { mask[row, $0] != 0 }.map { String(Int(ids[row, $0])) }
            let url = folder.appendingPathComponent("s\(row).ids")
            try real.joined(separator: " ").write(to: url, atomically: true, encoding: .utf8)
            files.append(url)
        }
        let dimension = expected.shape[1]
        return (files, (0..<rows).map { row in (0..<dimension).map { expected[row, $0] } })
    }
}

@Suite("FuseRuntime")
struct RuntimeTests {
    func runtime() throws -> FuseRuntime {
        try FuseRuntime(
            modelDirectory: RuntimeFixtures.models.appendingPathComponent("bert"),
            plugins: [TokenIDsPlugin()])
    }

    @Test("embed(file:) and embed(files:) equal sentence-transformers' normalised embeddings (≤ 1e-4)")
    func filesMatchReference() async throws {
        let runtime = try runtime()
        let (files, expected) = try RuntimeFixtures.idFiles()
        let batch = try await runtime.embed(files: files)
        #expect(batch.count == files.count)
        for (index, embedding) in batch.enumerated() {
            #expect(maxAbsDifference(embedding.vector, expected[index]) <= 1e-4)
            #expect(embedding.sources == [files[index].path] && embedding.modality == .text)
            #expect(embedding.modelID == "bert")
        }
        let single = try await runtime.embed(file: files[1])
        #expect(maxAbsDifference(single.vector, expected[1]) <= 1e-4)
    }

    @Test("embed(samples:) batches decoded samples, sorted by length, and keeps their order")
    func samplesKeepOrder() throws {
        let runtime = try runtime()
        let (files, expected) = try RuntimeFixtures.idFiles()
        let plugin = TokenIDsPlugin()
        let samples = try files.map { try plugin.decode(contentsOf: $0) }
        let embeddings = try runtime.embed(samples: samples, sources: files.map(\.lastPathComponent))
        for (index, embedding) in embeddings.enumerated() {
            #expect(maxAbsDifference(embedding.vector, expected[index]) <= 1e-4)
            #expect(embedding.sources == [files[index].lastPathComponent])
        }
        #expect(throws: FuseError.self) { try runtime.embed(samples: samples, sources: ["one"]) }
    }

    @Test("many tasks embedding at once get the same answers")
    func concurrentTasks() async throws {
        let runtime = try runtime()
        let (files, expected) = try RuntimeFixtures.idFiles()
        let results = try await withThrowingTaskGroup(of: (Int, Embedding).self) { group in
            for task in 0..<16 {
                group.addTask { (task % files.count, try await runtime.embed(file: files[task % files.count])) }
            }
            return try await group.reduce(into: [(Int, Embedding)]()) { $0.append($1) }
        }
        #expect(results.count == 16)
        for (index, embedding) in results { #expect(maxAbsDifference(embedding.vector, expected[index]) <= 1e-4) }
    }

    @Test("errors: no plugin claims a file, a modality without a tower, a missing model folder")
    func errors() async throws {
        let runtime = try runtime()
        let stray = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-\(UUID().uuidString).xyz")
        try Data([1, 2, 3]).write(to: stray)
        defer { try? FileManager.default.removeItem(at: stray) }
        await #expect(throws: FuseError.self) { try await runtime.embed(file: stray) }
        #expect(throws: ModelError.self) { try runtime.preprocessingContext(for: .image) }
        #expect(throws: FuseError.self) { try FuseRuntime(modelDirectory: URL(fileURLWithPath: "/no/such/model")) }
        #expect(throws: FuseError.duplicatePlugin(id: "test-token-ids")) { try runtime.register(TokenIDsPlugin()) }
    }
}

@Suite("Embedding outputs")
struct EmbeddingOutputTests {
    let embeddings = [
        Embedding(vector: [0.6, 0.8, 0], modality: .text, modelID: "m", sources: ["a.txt"]),
        Embedding(vector: [0, 0, 1], modality: .image, modelID: "m", sources: ["b.png"]),
    ]

    func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fuse-out-\(UUID().uuidString)-\(name)")
    }

    @Test("safetensors: [N, D] tensor plus inputs and modalities metadata")
    func safetensors() throws {
        let url = scratch("e.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try EmbeddingOutput.write(embeddings, to: url)
        let file = try SafetensorsFile(url: url)
        #expect(try file.tensor("embeddings").shape == [2, 3])
        #expect(try file.tensor("embeddings").scalars == [0.6, 0.8, 0, 0, 0, 1])
        #expect(file.metadata["inputs"] == #"["a.txt","b.png"]"#)
        #expect(file.metadata["modalities"] == #"["text","image"]"#)
    }

    @Test("npy: a NumPy v1.0 header for <f4 (N, D), then the floats")
    func npy() throws {
        let url = scratch("e.npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try EmbeddingOutput.write(embeddings, to: url)
        let data = try Data(contentsOf: url)
        #expect(Array(data.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.contains("'shape': (2, 3)") && header.contains("'<f4'"))
        let floats = data[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [0.6, 0.8, 0, 0, 0, 1])
    }

    @Test("json: one object per input; an existing file is kept without overwrite")
    func json() throws {
        let url = scratch("e.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try EmbeddingOutput.write(embeddings, to: url)
        let objects = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]]
        #expect(objects?.count == 2)
        #expect(objects?[1]["input"] as? String == "b.png" && objects?[1]["modality"] as? String == "image")
        #expect(throws: FuseError.outputExists(path: url.path)) { try EmbeddingOutput.write(embeddings, to: url) }
        try EmbeddingOutput.write(Array(embeddings.prefix(1)), to: url, overwrite: true)
        #expect((try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [Any])?.count == 1)
        #expect(throws: FuseError.self) { try EmbeddingOutput.write(embeddings, to: scratch("e.csv")) }
    }
}
