import AudioFrames
import Foundation
import FuseCore
import FuzzSupport

/// Audio files through the audio plugin's container sniffing (magic bytes of every container libsndfile reads) and
/// libsndfile (WAV, FLAC, OGG, AIFF, AU, CAF, W64, VOC, MP3, …), decoded to mono as the audio plugin does, then, for
/// short audio, turned into AST spectrograms. Limits are lowered so a
/// declared length can never make one execution allocate more than a few hundred MB: 60 s and 16 channels.
let decoder = AudioDecoder(limits: .init(maxChannels: 16, maxDuration: 60))
let plugin = AudioPlugin(decoder: decoder)
/// AST's recipe with 128-frame windows instead of 1,024: the same fbank, windowing and normalization code, without
/// zero-padding every short input to ten seconds of frames (which made the padding, not the input, the cost).
let recipe: AudioPatchRecipe = {
    var recipe = AudioPatchRecipe.ast
    recipe.targetLength = 128
    return recipe
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudio(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    _ = plugin.sniff(Array(bytes.prefix(PluginRegistry.sniffLength)))
    let url = Scratch.write(bytes, to: "input.audio")
    guard let audio = try? decoder.decode(contentsOf: url) else { return 0 }
    if audio.samples.count <= 48_000, let resampler = try? Resampler(from: audio.sampleRate, to: 16_000) {
        let resampled = resampler.resample(audio.samples)
        if let buffer = try? AudioBuffer(samples: resampled, sampleRate: 16_000) {
            _ = try? recipe.spectrograms(for: buffer)
        }
    }
    return 0
}

@_cdecl("FuzzAudio_main")
public func fuzzAudioMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Globals are built before fuzzing starts, so their allocations are not charged to the first input.
    _ = (decoder, recipe, plugin)
    return runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzAudio(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzAudio(UnsafeRawPointer(data), size)
    }
}
