import Foundation
import FuseTestSupport
import Testing
@testable import AudioFrames

/// Fbank parity where most mel bins sit at or near the log floor (pure tones, silence with one tone, band-limited
/// noise; issue 17), against `torchaudio.compliance.kaldi.fbank` and HF `ASTFeatureExtractor` on the fixtures of
/// tools/reference/audio_quiet_bands.py. Every bin, floor or not, must agree with torchaudio's float32 output within
/// 1.5 × the distance between torchaudio's own float32 and float64 outputs on the same input (the manifest's
/// `float32_vs_float64`, 3.2e-4…4.8e-4): float32 FFT rounding is all that may separate them, at the floor too.
/// Measured: 3.2e-4…3.8e-4, the same bins at the floor as torchaudio (and as its float64 run).
@Suite("Quiet bands")
struct QuietBandTests {
    static let root = AudioFixtures.root.appendingPathComponent("quiet")

    nonisolated(unsafe) static let manifest: [String: Any] = {
        let data = (try? Data(contentsOf: root.appendingPathComponent("manifest.json"))) ?? Data()
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }()

    static var cases: [Entry] { (manifest["cases"] as? [[String: Any]] ?? []).map(Entry.init) }

    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: root.appendingPathComponent(name))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    @Test("fixtures are present and mostly at the floor")
    func fixtures() {
        #expect(Self.cases.count == 4)
        for entry in Self.cases { #expect((entry["floor_fraction"] as? Double ?? 0) > 0.5) }
    }

    @Test("every mel bin matches kaldi.fbank, floor included", arguments: QuietBandTests.cases)
    func fbank(_ entry: Entry) throws {
        let input = try Self.floats(entry["input"] as! String)
        let result = try KaldiFbank(options: .ast()).compute(input)
        #expect(result.shape == entry["shape"] as! [Int])
        let expected = try Self.floats(entry["fbank"] as! String)
        let worst = maxAbsDifference(result.scalars, expected)
        let bound = 1.5 * Float(entry["float32_vs_float64"] as! Double)
        #expect(worst <= bound, "\(entry["name"]!): max abs \(worst), torchaudio float32 vs float64 \(bound / 1.5)")
        // Bins at the floor: exactly the same ones, at exactly log(float epsilon).
        let floor = log(Float.ulpOfOne)
        let atFloor = expected.indices.filter { abs(expected[$0] - floor) <= 1e-6 }
        #expect(atFloor.allSatisfy { abs(result.scalars[$0] - floor) <= 1e-6 })
        #expect(result.scalars.filter { abs($0 - floor) <= 1e-6 }.count == atFloor.count)
    }

    @Test("the AST recipe's input_values and patches match ASTFeatureExtractor", arguments: QuietBandTests.cases)
    func astValues(_ entry: Entry) throws {
        let recipe = try AudioPatchRecipe(
            preprocessorConfig: Self.root.appendingPathComponent("preprocessor_config.json"))
        let audio = try AudioBuffer(samples: Self.floats(entry["input"] as! String), sampleRate: 16_000)
        let spectrograms = try recipe.spectrograms(for: audio)
        #expect(spectrograms.count == 1)
        #expect(spectrograms[0].shape == entry["values_shape"] as! [Int])
        let values = maxAbsDifference(spectrograms[0].scalars, try Self.floats(entry["values"] as! String))
        #expect(values <= 1e-4, "\(entry["name"]!): input_values max abs \(values)")

        let patches = try SpectrogramPatches.extract(spectrograms[0], patchSize: 16, stride: [10, 10])
        let conv = AudioPatchTests.project(
            patches, weight: try AudioFixtures.floats("ast_conv_weight.f32"),
            bias: try AudioFixtures.floats("ast_conv_bias.f32"))
        let tokens = maxAbsDifference(conv, try Self.floats(entry["tokens"] as! String))
        #expect(tokens <= 1e-4, "\(entry["name"]!): conv tokens max abs \(tokens)")
    }

    @Test("the stereo 44.1 kHz two-tone file through decode, mix and resample matches the reference")
    func stereoFile() throws {
        let audio = try AudioDecoder().decode(
            contentsOf: Self.root.appendingPathComponent(Self.manifest["file"] as! String))
        #expect(audio.sampleRate == 44_100)
        let samples = try Resampler(from: 44_100, to: 16_000).resample(audio.samples)
        let entry = try #require(Self.cases.first { $0["name"] as? String == "tones_44k_stereo" })
        let expectedInput = try Self.floats(entry["input"] as! String)
        #expect(maxAbsDifference(samples, expectedInput) <= 1e-5)
        let result = try KaldiFbank(options: .ast()).compute(samples)
        // Resampling adds its own float32 rounding: the bound is the whole torchaudio pipeline's float32-vs-float64
        // distance (mix, resample, fbank; 2.1e-3), measured 9.5e-4.
        let worst = maxAbsDifference(result.scalars, try Self.floats(entry["fbank"] as! String))
        let bound = 1.5 * Float(Self.manifest["file_pipeline_float32_vs_float64"] as! Double)
        #expect(worst <= bound, "max abs \(worst), torchaudio pipeline float32 vs float64 \(bound / 1.5)")
    }
}
