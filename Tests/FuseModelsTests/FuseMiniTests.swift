import AudioFrames
import Foundation
import Fuse
import FuseCore
import FuseModels
import FuseTestSupport
import ImagePatch
import Testing

/// fuse-mini (models/fuse-mini) through FuseRuntime against the PyTorch reference model
/// (tools/train_fuse_mini/reference_model.py; fixtures by reference_outputs.py): every samples/ image and audio file
/// end to end (decode → plugin preprocessing → trained tokenizer → frozen MiniLM encoder → mean pooling → unit
/// length), plus the intermediates of one image and one audio file and the sample descriptions from their token ids.
/// Tolerance 1e-4 max abs (pixel values 1e-5). The encoder weights are git-ignored: tools/setup_models.sh builds them.
@Suite("fuse-mini matches its PyTorch reference")
struct FuseMiniTests {
    static func runtime() throws -> FuseRuntime {
        try FuseRuntime(modelDirectory: FuseMiniFixtures.modelFolder())  // the built-in text, image, audio plugins
    }

    @Test("the model folder loads as one shared encoder with text, image and audio tokenizers")
    func loads() throws {
        let model = try EncoderModel.load(directory: FuseMiniFixtures.modelFolder())
        #expect(model.modelType == "meta-transformer")
        #expect(model.modalities == [.audio, .image, .text])
        #expect(model.embeddingDimension == 384)
        #expect(FuseMiniFixtures.cases.count >= 10, "fixture manifest lists \(FuseMiniFixtures.cases.count) cases")
    }

    @Test("sample file embeddings ≤ 1e-4", arguments: FuseMiniFixtures.cases)
    func sampleEmbedding(_ sample: FuseMiniFixtures.Case) async throws {
        let runtime = try Self.runtime()
        let reference = try FuseMiniFixtures.reference()
        let embedding = try await runtime.embed(file: FuseMiniFixtures.url(of: sample.file))
        #expect(embedding.modality.name == sample.modality)
        let expected = try reference.tensor("\(sample.name).embedding")
        let found = try Tensor(shape: expected.shape, values: embedding.vector)
        let worst = maxAbsDifference(found, expected)
        #expect(worst <= parityTolerance, "\(sample.file): max abs difference \(worst)")
    }

    @Test("image intermediates: CLIP pixel values ≤ 1e-5, tokenizer output ≤ 1e-4")
    func imageIntermediates() throws {
        let runtime = try Self.runtime()
        let reference = try FuseMiniFixtures.reference()
        let plugin = ImagePlugin()
        let context = try runtime.preprocessingContext(for: .image)
        guard case .image(let image) = try plugin.decode(contentsOf: FuseMiniFixtures.url(of: "samples/images/cat.png"))
        else { Issue.record("cat.png did not decode to an image"); return }
        let pixels = try plugin.preprocessor(for: context)(image)
        #expect(maxAbsDifference(pixels, try reference.tensor("cat_png.pixel_values")) <= 1e-5)
        let out = try runtime.model.run(plugin.tokenize(.image(image), context: context), modality: .image)
        let tokens = try out.batch.hidden.reshaped([out.batch.sequence, out.batch.hidden.shape[2]])
        let worst = maxAbsDifference(tokens, try reference.tensor("cat_png.tokens"))
        #expect(worst <= parityTolerance, "tokens: max abs difference \(worst)")
    }

    @Test("audio intermediates: tokenizer output ≤ 1e-4 (Kaldi fbank, 384 frames, fuse-mini's mean/std)")
    func audioIntermediates() throws {
        let runtime = try Self.runtime()
        let reference = try FuseMiniFixtures.reference()
        let plugin = AudioPlugin()
        let context = try runtime.preprocessingContext(for: .audio)
        let sample = try plugin.decode(contentsOf: FuseMiniFixtures.url(of: "samples/audio/cat.wav"))
        let windows = try plugin.tokenize(sample, context: context)
        #expect(windows.count == 1)
        #expect(windows.first?.grid == [8, 24])
        let out = try runtime.model.run(windows, modality: .audio)
        let tokens = try out.batch.hidden.reshaped([out.batch.sequence, out.batch.hidden.shape[2]])
        let worst = maxAbsDifference(tokens, try reference.tensor("cat_wav.tokens"))
        #expect(worst <= parityTolerance, "tokens: max abs difference \(worst)")
    }

    @Test("sample descriptions from their WordPiece ids ≤ 1e-4 (all-MiniLM-L6-v2 unchanged)")
    func descriptions() throws {
        let model = try EncoderModel.load(directory: FuseMiniFixtures.modelFolder())
        let reference = try FuseMiniFixtures.reference()
        let tokens = try idTokens(try reference.intRows("text.ids"), mask: try reference.intRows("text.mask"))
        let out = try model.run(tokens, modality: .text)
        let worst = maxAbsDifference(try normalizedRows(out.embeddings), try reference.tensor("text.embeddings"))
        #expect(worst <= parityTolerance, "max abs difference \(worst)")
    }

    @Test("sample description files end to end through the text plugin ≤ 1e-4")
    func descriptionFiles() async throws {
        let runtime = try Self.runtime()
        let reference = try FuseMiniFixtures.reference()
        let files = try FuseMiniFixtures.manifest().texts.map(FuseMiniFixtures.url(of:))
        let embeddings = try await runtime.embed(files: files)
        #expect(embeddings.allSatisfy { $0.modality == .text })
        let found = try Tensor(shape: [embeddings.count, 384], values: embeddings.flatMap(\.vector))
        let worst = maxAbsDifference(found, try reference.tensor("text.embeddings"))
        #expect(worst <= parityTolerance, "max abs difference \(worst)")
    }

    @Test("a clone without tools/setup_models.sh: the error names the absent encoder and the script to run")
    func encoderAbsent() throws {
        let source = try FuseMiniFixtures.modelFolder()
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-mini-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for item in ["config.json", "model.safetensors.index.json", "tokenizers.safetensors", "image", "audio"] {
            try FileManager.default.copyItem(
                at: source.appendingPathComponent(item),
                to: copy.appendingPathComponent(item))
        }
        let error = #expect(throws: FuseError.self) { try EncoderModel.load(directory: copy) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("encoder.safetensors") && message.contains("tools/setup_models.sh"), "\(message)")
    }

    @Test("the similarity table ranks the same description first as the reference does")
    func similarityTable() async throws {
        let manifest = try FuseMiniFixtures.manifest()
        guard let table = manifest.sample_table else {
            Issue.record("manifest.json has no sample_table (run evaluate.py before reference_outputs.py)")
            return
        }
        let runtime = try Self.runtime()
        let reference = try FuseMiniFixtures.reference()
        let texts = try reference.tensor("text.embeddings")
        let names = manifest.texts.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        var ownFirst = 0
        for sample in FuseMiniFixtures.cases {
            let input = String(sample.file.dropFirst("samples/".count))
            guard let nearestExpected = table.nearest[input], let group = table.group[input] else { continue }
            let embedding = try await runtime.embed(file: FuseMiniFixtures.url(of: sample.file))
            let scores = try (0..<names.count).map { row in
                zip(try texts.rows(row..<(row + 1)).scalars, embedding.vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            }
            let nearest = names[scores.indices.max { scores[$0] < scores[$1] }!]
            #expect(nearest == nearestExpected, "\(sample.file): nearest \(nearest), reference \(nearestExpected)")
            if nearest == group { ownFirst += 1 }
        }
        #expect(ownFirst == table.own_first)
    }
}
