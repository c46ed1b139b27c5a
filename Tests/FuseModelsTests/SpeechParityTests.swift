import AudioFrames
import Foundation
import Fuse
import FuseModels
import FuseTestSupport
import Testing

/// wav2vec2 and HuBERT against transformers (tools/reference/models_hubert.py): five tiny random checkpoints
/// (group-norm/post-LN and layer-norm/stable-layer-norm of each family, HuBERT's batch-norm positional conv without
/// the projection LayerNorm), six inputs each (silence, a tone, noise,
/// a chirp, the shortest two-frame input) fed through the audio plugin's waveform recipe; `last_hidden_state` and
/// the unit-normalised mean embedding ≤ 1e-4 max abs.
@Suite("wav2vec2 / HuBERT match transformers")
struct SpeechParityTests {
    static let fixtures = ["hubert-group", "hubert-layer", "wav2vec2-group", "wav2vec2-layer", "hubert-batchnorm"]
    static let inputCount = 6

    /// The shared raw inputs of the generator.
    static func raw(_ index: Int) throws -> AudioBuffer {
        try AudioBuffer(
            samples: ModelFixtures.reference("hubert-inputs").tensor("raw_\(index)").scalars,
            sampleRate: 16_000)
    }

    /// The plugin's tokens for input `index`, made as the runtime makes them for `model`.
    static func tokens(_ index: Int, for model: EncoderModel) throws -> Tokens {
        let context = try #require(model.preprocessing[.audio])
        let windows = try AudioPlugin().tokenize(.audio(raw(index)), context: context)
        try #require(windows.count == 1)
        return windows[0]
    }

    /// Rows `0..<frames` of item `item` of a `[batch, sequence, width]` tensor, as `[frames, width]`.
    static func frames(_ hidden: Tensor, item: Int, count: Int) throws -> Tensor {
        let (sequence, width) = (hidden.shape[1], hidden.shape[2])
        let values = Array(hidden.scalars[(item * sequence * width)..<((item * sequence + count) * width)])
        return try Tensor(shape: [count, width], values: values)
    }

    @Test("each input alone: last_hidden_state and mean embedding", arguments: fixtures)
    func single(_ name: String) throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder(name))
        let reference = try ModelFixtures.reference(name)
        for index in 0..<Self.inputCount {
            let out = try model.run([Self.tokens(index, for: model)], modality: .audio)
            let expected = try reference.tensor("last_hidden_\(index)")
            #expect(
                maxAbsDifference(try out.lastHidden.reshaped(expected.shape), expected) <= parityTolerance,
                "\(name) input \(index)")
            #expect(
                maxAbsDifference(
                    try normalizedRows(out.embeddings).reshaped([-1]),
                    try reference.tensor("embedding_\(index)")) <= parityTolerance,
                "\(name) input \(index)")
        }
    }

    @Test(
        "a padded batch: every item equals the input alone (and transformers' masked batch for layer models)",
        arguments: fixtures)
    func batch(_ name: String) throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder(name))
        let reference = try ModelFixtures.reference(name)
        let tokens = try (0..<Self.inputCount).map { try Self.tokens($0, for: model) }
        let out = try model.run(tokens, modality: .audio)
        let masked = reference.names.contains("batch_last_hidden") ? try reference.tensor("batch_last_hidden") : nil
        #expect((masked != nil) == name.hasSuffix("layer"))
        for index in 0..<Self.inputCount {
            let expected = try reference.tensor("last_hidden_\(index)")
            let count = expected.shape[0]
            #expect(
                out.batch.mask[(index * out.batch.sequence)..<((index + 1) * out.batch.sequence)]
                    .filter { $0 != 0 }.count == count)
            #expect(
                maxAbsDifference(try Self.frames(out.lastHidden, item: index, count: count), expected)
                    <= parityTolerance, "\(name) item \(index)")
            if let masked {
                #expect(
                    maxAbsDifference(
                        try Self.frames(out.lastHidden, item: index, count: count),
                        try Self.frames(masked, item: index, count: count)) <= parityTolerance,
                    "\(name) item \(index) vs transformers' masked batch")
            }
        }
        #expect(
            maxAbsDifference(
                try normalizedRows(out.embeddings).rows(3..<4).reshaped([-1]),
                try reference.tensor("embedding_3")) <= parityTolerance)
    }

    @Test("a 16 kHz WAV file through FuseRuntime.embed(file:) gives transformers' embedding")
    func runtimeFile() async throws {
        let runtime = try FuseRuntime(modelDirectory: ModelFixtures.folder("hubert-group"))
        let reference = try ModelFixtures.reference("hubert-group")
        let wav = ModelFixtures.root.appendingPathComponent("reference/hubert-tone16k.wav")
        let embedding = try await runtime.embed(file: wav)
        let expected = try reference.tensor("wav_embedding").scalars
        #expect(zip(embedding.vector, expected).map { abs($0 - $1) }.max()! <= parityTolerance)
        #expect(embedding.modality == .audio && runtime.model.embeddingDimension == 33)
        // The plugin's tokens are the feature extractor's input_values for the int16-decoded samples.
        let plugin = try runtime.plugin(for: .audio)
        let tokens = try plugin.tokenize(
            plugin.decode(contentsOf: wav),
            context: runtime.preprocessingContext(for: .audio))
        guard case .features(let values) = tokens[0].content else { Issue.record("not features"); return }
        #expect(maxAbsDifference(try values.reshaped([-1]), try reference.tensor("wav_input_values")) <= 1e-5)
    }

    @Test(
        "reduced precision converts the transformer blocks and the convs after the first, and stays close to fp32",
        arguments: [Precision.bf16, .int8])
    func precision(_ precision: Precision) throws {
        let exact = try EncoderModel.load(directory: ModelFixtures.folder("wav2vec2-layer"))
        let reduced = try EncoderModel.load(directory: ModelFixtures.folder("wav2vec2-layer"), precision: precision)
        if reduced.precision != .fp32, let embedder = try reduced.tower(for: .audio).embedder as? WaveformEmbedder {
            let convs = embedder.featureEncoder.layers
            #expect(convs.first?.reduced == nil && convs.dropFirst().allSatisfy { $0.reduced?.precision == precision })
        }
        let tokens = try (0..<Self.inputCount).map { try Self.tokens($0, for: exact) }
        let a = try normalizedRows(exact.run(tokens, modality: .audio).embeddings).scalars
        let b = try normalizedRows(reduced.run(tokens, modality: .audio).embeddings).scalars
        let width = exact.embeddingDimension
        for item in 0..<Self.inputCount {
            let cosine = (0..<width).reduce(Float(0)) { $0 + a[item * width + $1] * b[item * width + $1] }
            #expect(
                cosine >= 0.99, "item \(item): cosine \(cosine) (\(reduced.precisionNote ?? "\(reduced.precision)"))")
        }
    }

    @Test("an input shorter than the receptive field is a named error")
    func tooShort() throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder("hubert-group"))
        let short = try Tokens(
            modality: .audio, content: .features(Tensor(shape: [399, 1]) { $0.update(repeating: 0.1) }))
        let error = #expect(throws: ModelError.self) { try model.run([short], modality: .audio) }
        #expect(error == .inputTooShort(modality: "audio", length: 399, minimum: 400, unit: "samples"))
    }
}
