import Foundation
import FuseTestSupport
import Testing
@testable import AudioFrames

/// AST / ImageBind parity: normalized spectrograms against HF `ASTFeatureExtractor` (torchaudio path) and ImageBind's
/// recipe re-stated over torchaudio, ≤ 1e-3 max abs (log-mel ÷ 2·std, so tighter than the fbank bound); patch order
/// against a torch `Conv2d(1, 8, 16, stride 10)` applied as `ASTEmbeddings` does (transpose to [1, freq, time]),
/// ≤ 2e-3 max abs on the conv outputs.
@Suite("AudioPatches")
struct AudioPatchTests {
    /// `tokens · Wᵀ + b`, the conv as one GEMM over patch rows.
    static func project(_ tokens: Tensor, weight: [Float], bias: [Float]) -> [Float] {
        let n = tokens.shape[0], p = tokens.shape[1], d = bias.count
        let t = tokens.scalars
        var out = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            for o in 0..<d {
                var sum = bias[o]
                for k in 0..<p { sum += t[i * p + k] * weight[o * p + k] }
                out[i * d + o] = sum
            }
        }
        return out
    }

    static func speech16k() throws -> AudioBuffer {
        try AudioBuffer(samples: AudioFixtures.floats("input_speech16k.f32"), sampleRate: 16_000)
    }

    @Test(
        "AST recipe and patches match ASTFeatureExtractor + ASTEmbeddings' Conv2d",
        arguments: AudioFixtures.cases("ast"))
    func ast(_ entry: Entry) throws {
        let folder = AudioFixtures.root.appendingPathComponent(entry["folder"] as! String)
        let plugin = AudioPlugin()
        let context = PreprocessingContext(modelDirectory: folder)
        let recipe = try plugin.recipe(for: context)
        let shape = entry["shape"] as! [Int]
        #expect(recipe.targetLength == shape[0] && recipe.fbank.numMelBins == 128 && recipe.normalizationScale == 2)
        let spectrograms = try recipe.spectrograms(for: Self.speech16k())
        let expected = try AudioFixtures.floats(entry["values"] as! String)
        #expect(spectrograms[0].shape == shape)
        #expect(maxAbsDifference(spectrograms[0].scalars, expected) <= 1e-3)

        let tokens = try plugin.tokenize(.audio(Self.speech16k()), context: context)
        #expect(tokens.count == spectrograms.count)
        guard case .features(let patches) = tokens[0].content else { Issue.record("expected features"); return }
        let tokenShape = entry["tokens_shape"] as! [Int]
        #expect(patches.shape == [tokenShape[0], 256])
        #expect(tokens[0].grid == [12, (shape[0] - 16) / 10 + 1])
        let conv = Self.project(
            patches, weight: try AudioFixtures.floats("ast_conv_weight.f32"),
            bias: try AudioFixtures.floats("ast_conv_bias.f32"))
        #expect(maxAbsDifference(conv, try AudioFixtures.floats(entry["tokens"] as! String)) <= 2e-3)
    }

    @Test("ImageBind recipe and patches match its data.py over torchaudio", arguments: AudioFixtures.cases("imagebind"))
    func imageBind(_ entry: Entry) throws {
        let audio = try AudioDecoder().decode(contentsOf: AudioFixtures.file(entry["name"] as! String))
        #expect(audio.sampleRate == entry["rate"] as! Int)
        let plugin = AudioPlugin()
        let context = PreprocessingContext(options: ["recipe": "imagebind"])
        let spectrograms = try plugin.recipe(for: context).spectrograms(for: audio)
        let shape = entry["shape"] as! [Int]  // [clips, 1, mel, frames]
        #expect(spectrograms.count == shape[0])
        let expected = try AudioFixtures.floats(entry["values"] as! String)
        let (mel, frames) = (shape[2], shape[3])
        var worst: Float = 0
        for (c, spec) in spectrograms.enumerated() {
            #expect(spec.shape == [frames, mel])
            let values = spec.scalars
            for m in 0..<mel {
                for t in 0..<frames {
                    worst = max(worst, abs(values[t * mel + m] - expected[(c * mel + m) * frames + t]))
                }
            }
        }
        #expect(worst <= 1e-3)

        let tokens = try plugin.tokenize(.audio(audio), context: context)
        let weight = try AudioFixtures.floats("ast_conv_weight.f32"),
            bias = try AudioFixtures.floats("ast_conv_bias.f32")
        let reference = try AudioFixtures.floats(entry["tokens"] as! String)
        let perClip = reference.count / tokens.count
        for (c, clip) in tokens.enumerated() {
            guard case .features(let patches) = clip.content else { Issue.record("expected features"); return }
            #expect(clip.grid == [12, 19])
            let conv = Self.project(patches, weight: weight, bias: bias)
            #expect(maxAbsDifference(conv, Array(reference[(c * perClip)..<((c + 1) * perClip)])) <= 2e-3)
        }
    }

    @Test("patch order: token f·T′+t holds spec[t·10+b][f·10+a] at a·16+b")
    func patchOrder() throws {
        let frames = 40, mel = 36
        let spec = try Tensor(shape: [frames, mel], values: (0..<(frames * mel)).map { Float($0) })
        let patches = try SpectrogramPatches.extract(spec, patchSize: 16, stride: [10, 10])
        #expect(patches.shape == [3 * 3, 256])
        let (f, t, a, b) = (2, 1, 5, 7)
        #expect(patches[f * 3 + t, a * 16 + b] == Float((t * 10 + b) * mel + f * 10 + a))
    }

    @Test("long audio is windowed with the configured overlap; first window equals the single-window reference")
    func windows() throws {
        let audio = try Self.speech16k()
        var recipe = AudioPatchRecipe.ast
        recipe.targetLength = 50
        let specs = try recipe.spectrograms(for: audio, hopFrames: 40)
        let frames = try KaldiFbank(options: recipe.fbank).frameCount(forSampleCount: audio.samples.count)
        #expect(specs.count == AudioPatchRecipe.windowStarts(frames: frames, length: 50, hop: 40).count)
        #expect(specs.count >= 2)
        let whole = try KaldiFbank(options: recipe.fbank).compute(audio.samples).scalars
        let second = specs[1].scalars
        #expect(abs(second[0] - (whole[40 * 128] - recipe.mean) / (2 * recipe.std)) < 1e-6)
    }

    @Test("refuses bad recipes and samples")
    func badInput() throws {
        #expect(throws: AudioError.self) {
            try AudioPatchRecipe(preprocessorConfig: Data("{\"max_length\": -3}".utf8), source: "cfg")
        }
        #expect(throws: AudioError.self) {
            try AudioPatchRecipe(
                preprocessorConfig: Data("{\"feature_extractor_type\": \"WhisperFeatureExtractor\"}".utf8),
                source: "cfg")
        }
        #expect(throws: AudioError.self) { try AudioPatchRecipe(preprocessorConfig: Data("[1]".utf8), source: "cfg") }
        let plugin = AudioPlugin()
        #expect(throws: AudioError.self) {
            try plugin.tokenize(.audio(Self.speech16k()), context: PreprocessingContext(options: ["recipe": "nope"]))
        }
        #expect(throws: FuseError.self) { try plugin.tokenize(.text("hi"), context: PreprocessingContext()) }
        let one = try AudioDecoder().decode(contentsOf: AudioFixtures.file("one_sample_16k.wav"))
        #expect(throws: AudioError.self) { try plugin.tokenize(.audio(one), context: PreprocessingContext()) }
    }

    @Test("sniffs by magic bytes, then extension through the registry")
    func sniffing() throws {
        let plugin = AudioPlugin()
        for name in [
            "pcm16_22k_stereo.wav", "flac_48k_stereo.flac", "ogg_8k_mono.ogg", "aiff_22k_stereo.aiff",
            "extensible_44k_mono.wav",
        ] {
            let prefix = Array(try Data(contentsOf: AudioFixtures.file(name)).prefix(64))
            #expect(plugin.sniff(prefix) == .definite, "\(name)")
        }
        #expect(plugin.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}AVI LIST".utf8)) == .no)
        #expect(plugin.sniff(Array("hello world".utf8)) == .no)
        let registry = try PluginRegistry([plugin])
        #expect(try registry.plugin(for: AudioFixtures.file("speech_22k.flac")).id == "audio-frames")
    }
}
