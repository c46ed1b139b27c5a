import Foundation
import FuseCore
import FuzzSupport
import ImagePatch

/// PNG and JPEG decoding (libpng / libjpeg-turbo through the C shim), then, for images that decode, CLIP
/// preprocessing and patch extraction as the image plugin does. The pixel limit is lowered to 1024² so a declared
/// size can never make one execution allocate more than ~3 MB; the limit check itself is what is under test.
let decoder = ImageDecoder(maxPixels: 1024 * 1024)
let preprocessor = ImagePreprocessor.clip(size: 32)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(UnsafeRawBufferPointer(start: start, count: count))
    guard let image = try? decoder.decode(data, name: "fuzz") else { return 0 }
    // Preprocessing cost grows with the pixel count; keep executions fast by only preprocessing small images.
    if image.width * image.height <= 256 * 256, let pixels = try? preprocessor(image) {
        _ = try? PatchExtractor.patches(pixels, patchSize: 16)
    }
    return 0
}

@_cdecl("FuzzImage_main")
public func fuzzImageMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Globals are built before fuzzing starts, so their allocations are not charged to the first input.
    _ = (decoder, preprocessor)
    return runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzImage(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzImage(UnsafeRawPointer(data), size)
    }
}
