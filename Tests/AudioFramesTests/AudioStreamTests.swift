import Foundation
import FuseTestSupport
import Testing
@testable import AudioFrames

/// Streaming equals whole-file processing (same code paths, so the bound is float rounding: ≤ 1e-6), across chunk
/// boundaries smaller than a filter span, a frame and a window.
@Suite("AudioStream")
struct AudioStreamTests {
    static func compare(recipe: AudioPatchRecipe, file: String, hop: Int?, chunk: Int) throws {
        let url = AudioFixtures.file(file)
        let audio = try AudioDecoder().decode(contentsOf: url)
        let whole = try recipe.spectrograms(for: audio, hopFrames: hop)
        var streamed: [Tensor] = []
        try AudioStream(url: url, recipe: recipe, hopFrames: hop, chunkFrames: chunk).forEachSpectrogram { i, spec in
            #expect(i == streamed.count)
            streamed.append(spec)
        }
        #expect(streamed.count == whole.count)
        for (a, b) in zip(streamed, whole) {
            #expect(a.shape == b.shape)
            #expect(maxAbsDifference(a.scalars, b.scalars) <= 1e-6)
        }
    }

    @Test("AST windows: streamed equals whole", arguments: [(333, 40), (5000, 25), (1 << 17, 60)])
    func windows(_ chunk: Int, _ hop: Int) throws {
        var recipe = AudioPatchRecipe.ast
        recipe.targetLength = 60
        try Self.compare(recipe: recipe, file: "long_22k.flac", hop: hop, chunk: chunk)
    }

    @Test("same rate (no resampling) and a 48 kHz stereo file")
    func rates() throws {
        var recipe = AudioPatchRecipe.ast
        recipe.targetLength = 16
        try Self.compare(recipe: recipe, file: "clipping_44k.wav", hop: nil, chunk: 1000)
        var at48 = recipe
        at48.sampleRate = 48_000
        at48.fbank.sampleFrequency = 48_000
        try Self.compare(recipe: at48, file: "pcm32_48k_stereo.wav", hop: 8, chunk: 700)
    }

    @Test("ImageBind clips: streamed equals whole")
    func clips() throws {
        try Self.compare(recipe: .imageBind, file: "long_22k.flac", hop: nil, chunk: 4096)
    }

    @Test("plugin streaming tokens equal tokenize(decode)")
    func pluginTokens() throws {
        let plugin = AudioPlugin()
        let url = AudioFixtures.file("long_22k.flac")
        let context = PreprocessingContext(
            windowOverlap: 24,
            options: [
                "recipe": AudioFixtures.root
                    .appendingPathComponent("ast_crop/preprocessor_config.json").path
            ])
        let whole = try plugin.tokenize(plugin.decode(contentsOf: url), context: context)
        var streamed: [Tokens] = []
        try plugin.forEachTokens(contentsOf: url, context: context, chunkFrames: 3000) { streamed.append($0) }
        #expect(whole.count == streamed.count && whole.count > 2)
        for (a, b) in zip(whole, streamed) {
            guard case .features(let x) = a.content, case .features(let y) = b.content else { continue }
            #expect(a.grid == b.grid)
            #expect(maxAbsDifference(x.scalars, y.scalars) <= 1e-6)
        }
    }

    @Test("streaming refuses audio shorter than one frame")
    func short() {
        #expect(throws: AudioError.self) {
            try AudioStream(url: AudioFixtures.file("one_sample_16k.wav"), recipe: .ast).forEachSpectrogram { _, _ in }
        }
    }
}
