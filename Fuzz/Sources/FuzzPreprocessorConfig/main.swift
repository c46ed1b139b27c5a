import AudioFrames
import FuseCore
import Foundation
import FuzzSupport
import ImagePatch

/// `preprocessor_config.json`, read both as an image processor (CLIP/ViT) and as an audio feature extractor (AST).
/// A config that parses is then used on a small image or a short signal, so absurd sizes must be refused up front.
/// The image bound is lowered to 1024² (the largest released models use) from the default 4096²: the same resize code
/// runs and the bound is hit 16 times as often, while the slowest inputs take a sixteenth of the time; at the default,
/// resampling the probe to sizes near 4096² held the run at about 200 executions per second.
let probeImage = try! ImageBuffer(width: 7, height: 5, pixels: (0..<105).map { UInt8(truncatingIfNeeded: $0 * 37) })
let probeSignal: [Float] = (0..<4_000).map { Float(sin(Double($0) * 0.05)) * 0.5 }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPreprocessorConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let url = Scratch.write(bytes, to: "preprocessor_config.json")
    if var preprocessor = try? ImagePreprocessor(configURL: url) {
        preprocessor.maxOutputPixels = 1024 * 1024
        _ = try? preprocessor(probeImage)
    }
    if let recipe = try? AudioPatchRecipe(preprocessorConfig: Data(bytes), source: "fuzz") {
        if let audio = try? AudioBuffer(samples: probeSignal, sampleRate: recipe.sampleRate) {
            _ = try? recipe.spectrograms(for: audio)
        }
    }
    return 0
}

@_cdecl("FuzzPreprocessorConfig_main")
public func fuzzPreprocessorConfigMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    // Globals are built before fuzzing starts, so their allocations are not charged to the first input.
    _ = (probeImage, probeSignal)
    return runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzPreprocessorConfig(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzPreprocessorConfig(UnsafeRawPointer(data), size)
    }
}
