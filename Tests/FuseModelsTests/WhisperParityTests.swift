import Foundation
import FuseCore
import FuseModels
import FuseTestSupport
import Testing

/// Whisper against transformers 5 (tools/reference/models_whisper.py): three tiny random checkpoints (English-only
/// with 80 mel bins, two seeds; multilingual with 128) and four inputs (silence, a noisy tone, a chirp, a clip
/// longer than the one-second window). Log-mel ≤ 1e-4 of `WhisperFeatureExtractor`'s float64 path, encoder states
/// and teacher-forced decoder logits ≤ 1e-4, all max abs.
@Suite("Whisper matches transformers")
struct WhisperParityTests {
    static let fixtures = ["whisper-en", "whisper-en-seed7", "whisper-multi"]
    static let inputCount = 4

    static func raw(_ index: Int) throws -> [Float] {
        try ModelFixtures.reference("whisper-inputs").tensor("raw_\(index)").scalars
    }

    /// transformers' `[mel, frames]` as Fuse's time-major `[frames, mel]`.
    static func timeMajor(_ features: Tensor) throws -> Tensor {
        let (mel, frames) = (features.shape[0], features.shape[1])
        let values = features.scalars
        return try Tensor(
            shape: [frames, mel], values: (0..<(frames * mel)).map { values[($0 % mel) * frames + $0 / mel] })
    }

    @Test("log-mel features of one window (padded or cut) and of a whole clip", arguments: fixtures)
    func features(_ name: String) throws {
        let model = try WhisperModel.load(directory: ModelFixtures.folder(name))
        let reference = try ModelFixtures.reference(name)
        for index in 0..<Self.inputCount {
            let mel = model.features.windowFeatures(try Self.raw(index))
            let expected = try Self.timeMajor(reference.tensor("mel_\(index)"))
            #expect(mel.shape == expected.shape)
            #expect(maxAbsDifference(mel, expected) <= parityTolerance, "\(name) input \(index)")
        }
        let whole = model.features.logMel(try Self.raw(3))
        let expected = try Self.timeMajor(reference.tensor("mel_whole_3"))
        #expect(whole.shape == expected.shape)
        #expect(maxAbsDifference(whole, expected) <= parityTolerance, "\(name) whole clip")
    }

    @Test("encoder states and teacher-forced decoder logits", arguments: fixtures)
    func encoderAndDecoder(_ name: String) throws {
        let model = try WhisperModel.load(directory: ModelFixtures.folder(name))
        let reference = try ModelFixtures.reference(name)
        for index in 0..<Self.inputCount {
            let features = try Self.timeMajor(reference.tensor("mel_\(index)"))
            let encoded = try model.encode(features)
            #expect(
                maxAbsDifference(encoded, try reference.tensor("encoder_\(index)")) <= parityTolerance,
                "\(name) input \(index)")
            let ids = try reference.tensor("decoder_input_\(index)").scalars.map { Int32($0) }
            let expected = try reference.tensor("logits_\(index)")
            let cross = model.crossCache(encoded)
            // All positions at once, and one position at a time through the KV cache.
            let all = try model.decode(ids, cache: model.makeCache(), cross: cross, logitRows: ids.count)
            #expect(maxAbsDifference(all, expected) <= parityTolerance, "\(name) input \(index) full")
            let cache = model.makeCache()
            var stepped: [Float] = []
            for id in ids { stepped += try model.decode([id], cache: cache, cross: cross).scalars }
            #expect(maxAbsDifference(stepped, expected.scalars) <= parityTolerance, "\(name) input \(index) cached")
        }
    }

    /// The reference's token ids (stored as float32).
    static func ids(_ reference: SafetensorsFile, _ name: String) throws -> [Int32] {
        try reference.tensor(name).scalars.map { Int32($0) }
    }

    @Test("greedy, beam-5 and timestamped token sequences equal generate's", arguments: fixtures)
    func generation(_ name: String) throws {
        let model = try WhisperModel.load(directory: ModelFixtures.folder(name))
        let reference = try ModelFixtures.reference(name)
        for index in 0..<Self.inputCount {
            let features = try Self.timeMajor(reference.tensor("mel_\(index)"))
            for (key, options) in [
                ("greedy", WhisperDecodingOptions(beamSize: 1, maxNewTokens: 10)),
                ("beam", WhisperDecodingOptions(beamSize: 5, maxNewTokens: 10)),
                ("timestamps", WhisperDecodingOptions(beamSize: 1, timestamps: true, maxNewTokens: 10)),
            ] {
                let result = try model.generate(features: features, options: options)
                #expect(result.tokens == (try Self.ids(reference, "\(key)_\(index)")), "\(name) \(key) input \(index)")
            }
        }
        // The clip longer than a window, from its raw samples: features of the whole clip, windows seeking by the
        // last timestamp pair.
        let long = try model.generate(
            features: model.features.logMel(try Self.raw(3)),
            options: WhisperDecodingOptions(beamSize: 1, timestamps: true, maxNewTokens: 10))
        #expect(long.tokens == (try Self.ids(reference, "long_3")), "\(name) long-form")
        #expect(zip(long.segments, long.segments.dropFirst()).allSatisfy { $0.start <= $1.start })
    }

    @Test("bad input: mel bins that contradict the config, a language on an English-only model")
    func badInput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("whisper-bad-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ModelFixtures.folder("whisper-en"), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try WhisperModel.load(directory: folder)
        #expect(throws: ModelError.self) { try model.generate(samples: [0, 0.1], options: .init(language: "de")) }
        let preprocessor = folder.appendingPathComponent("preprocessor_config.json")
        let text = try String(contentsOf: preprocessor, encoding: .utf8)
            .replacingOccurrences(of: "\"feature_size\": 80", with: "\"feature_size\": 128")
        try text.write(to: preprocessor, atomically: true, encoding: .utf8)
        #expect {
            _ = try WhisperModel.load(directory: folder)
        } throws: { error in
            "\(error)".contains("preprocessor_config.json") && "\(error)".contains("num_mel_bins is 80")
        }
    }

    @Test("silence decodes without error; audio shorter than one hop gives no window and no text")
    func silence() throws {
        let model = try WhisperModel.load(directory: ModelFixtures.folder("whisper-multi"))
        let quiet = try model.generate(
            samples: [Float](repeating: 0, count: 16_000), options: .init(beamSize: 1, maxNewTokens: 4))
        #expect(quiet.segments.count == 1)
        #expect(quiet.languageTokenID != nil)
        let empty = try model.generate(samples: [], options: .init(beamSize: 1, maxNewTokens: 4))
        #expect(empty.tokens.isEmpty && empty.segments.isEmpty)
    }
}
