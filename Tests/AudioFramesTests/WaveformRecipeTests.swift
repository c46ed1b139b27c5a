import Foundation
import Testing
@testable import AudioFrames

/// The waveform recipe of wav2vec2 / HuBERT against HF `Wav2Vec2FeatureExtractor` (tools/reference/models_hubert.py
/// writes `Tests/Fixtures/models/reference/hubert-inputs.safetensors`): `input_values` ≤ 1e-5 max abs for silence,
/// a tone, noise with and without a DC offset, a chirp and a short clip; recipe selection from preprocessor configs.
@Suite("Waveform recipe (Wav2Vec2FeatureExtractor)")
struct WaveformRecipeTests {
    static let models = AudioFixtures.root.deletingLastPathComponent().appendingPathComponent("models")

    static func reference() throws -> SafetensorsFile {
        try SafetensorsFile(url: models.appendingPathComponent("reference/hubert-inputs.safetensors"))
    }

    @Test("input_values match the extractor for every input", arguments: 0..<6)
    func inputValues(_ index: Int) throws {
        let reference = try Self.reference()
        let raw = try reference.tensor("raw_\(index)").scalars
        let expected = try reference.tensor("input_values_\(index)").scalars
        let tokens = try WaveformRecipe.wav2vec2.tokens(for: AudioBuffer(samples: raw, sampleRate: 16_000))
        #expect(tokens.count == 1)
        guard case .features(let values) = tokens[0].content else { Issue.record("not features"); return }
        #expect(values.shape == [raw.count, 1])
        let worst = zip(values.scalars, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5, "input \(index): \(worst)")
    }

    @Test("silence normalises to zeros, not NaN")
    func silence() {
        let values = WaveformRecipe.wav2vec2.inputValues([Float](repeating: 0.25, count: 100))
        #expect(values.allSatisfy { $0 == 0 })
    }

    @Test("the model folder's preprocessor_config.json decides: Wav2Vec2FeatureExtractor gives the waveform")
    func selection() throws {
        let plugin = AudioPlugin()
        let group = PreprocessingContext(modelDirectory: Self.models.appendingPathComponent("hubert-group"))
        guard case .waveform(let recipe) = try plugin.audioRecipe(for: group) else {
            Issue.record("hubert-group should read waveforms"); return
        }
        #expect(recipe.doNormalize && recipe.sampleRate == 16_000)
        let layer = PreprocessingContext(
            modelDirectory: Self.models.appendingPathComponent("hubert-layer"),
            options: ["recipe": "wav2vec2"])
        #expect(
            try plugin.audioRecipe(for: layer)
                == .waveform(
                    WaveformRecipe(
                        name: Self.models.appendingPathComponent("hubert-layer/preprocessor_config.json").path,
                        doNormalize: false)))
        // A waveform model folder without a preprocessor file takes the extractor's defaults.
        #expect(
            try plugin.audioRecipe(for: PreprocessingContext(options: ["recipe": "hubert"])) == .waveform(.wav2vec2))
        // The spectrogram accessor refuses a waveform recipe by name.
        #expect(throws: AudioError.self) { try plugin.recipe(for: group) }
        // An AST folder asked for waveforms is a contradiction, named with the file.
        let ast = PreprocessingContext(
            modelDirectory: Self.models.appendingPathComponent("ast"),
            options: ["recipe": "wav2vec2"])
        let error = #expect(throws: AudioError.self) { try plugin.audioRecipe(for: ast) }
        #expect(error?.description.contains("ast/preprocessor_config.json") == true)
    }

    @Test(
        "bad Wav2Vec2FeatureExtractor fields are named",
        arguments: [
            ("feature_size", "2"), ("sampling_rate", "\"16k\""), ("sampling_rate", "16000.5"), ("do_normalize", "1"),
        ])
    func badConfig(_ field: String, _ value: String) throws {
        let json = "{\"feature_extractor_type\": \"Wav2Vec2FeatureExtractor\", \"\(field)\": \(value)}"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-w2v-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: AudioError.self) { try AudioRecipe(preprocessorConfig: url) }
        #expect(error?.description.contains(field) == true)
    }

    @Test("other rates are resampled with torchaudio's filter before normalising")
    func resampling() throws {
        let samples = (0..<8000).map { Float(sin(Double($0) * 0.05)) * 0.3 }
        let tokens = try WaveformRecipe.wav2vec2.tokens(for: AudioBuffer(samples: samples, sampleRate: 8000))
        let resampled = try Resampler(from: 8000, to: 16_000).resample(samples)
        let expected = WaveformRecipe.wav2vec2.inputValues(resampled)
        guard case .features(let values) = tokens[0].content else { Issue.record("not features"); return }
        #expect(values.shape == [16_000, 1] && values.scalars == expected)
    }

    @Test("long audio becomes the fewest equal windows, each normalised on its own")
    func windows() throws {
        let recipe = WaveformRecipe(name: "test", maxSeconds: 1)
        #expect(recipe.windows(sampleCount: 16_000) == [0..<16_000])
        #expect(recipe.windows(sampleCount: 16_001) == [0..<8000, 8000..<16_001])
        #expect(recipe.windows(sampleCount: 50_000).map(\.count) == [12_500, 12_500, 12_500, 12_500])
        let samples = (0..<40_000).map { Float($0 % 97) / 97 + ($0 < 20_000 ? 0 : 5) }
        let tokens = try recipe.tokens(for: AudioBuffer(samples: samples, sampleRate: 16_000))
        #expect(tokens.count == 3)
        for window in tokens {
            guard case .features(let values) = window.content else { continue }
            let mean = values.scalars.reduce(0, +) / Float(values.count)
            #expect(abs(mean) < 1e-4)
        }
        // context.maxTokens sets the window in samples.
        let plugin = AudioPlugin()
        let windows = try plugin.tokenize(
            .audio(AudioBuffer(samples: samples, sampleRate: 16_000)),
            context: PreprocessingContext(maxTokens: 10_000, options: ["recipe": "wav2vec2"]))
        #expect(windows.map(\.count) == [10_000, 10_000, 10_000, 10_000])
    }
}
