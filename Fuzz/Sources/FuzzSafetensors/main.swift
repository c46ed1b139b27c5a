import Foundation
import FuseCore
import FuzzSupport

/// A safetensors file: header length, JSON header and data section. Anything that opens must let every tensor be
/// read (as Float32 or as integers, by dtype) without touching memory outside the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let url = Scratch.write(UnsafeRawBufferPointer(start: start, count: count), to: "model.safetensors")
    guard let file = try? SafetensorsFile(url: url) else { return 0 }
    for info in file.infos {
        if info.dtype.isFloatingPoint {
            guard let tensor = try? file.tensor(info.name) else { continue }
            // Touch every element so ASan sees any read outside the mapping.
            var sum: Float = 0
            tensor.withUnsafeBufferPointer { for x in $0 { sum += x } }
            _ = sum
        } else {
            _ = try? file.integers(info.name)
        }
        _ = try? file.rawBytes(info.name)
    }
    return 0
}

@_cdecl("FuzzSafetensors_main")
public func fuzzSafetensorsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzSafetensors(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzSafetensors(UnsafeRawPointer(data), size)
    }
}
