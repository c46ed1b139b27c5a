import Foundation
import Fuse
import FuzzSupport

/// Input lists: the group manifest (JSON Lines or whitespace-separated plain text) and the streaming one-path-a-line
/// list, plus the `--shard I/N` parser on the first line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInputLists(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let url = Scratch.write(bytes, to: "inputs.jsonl")
    _ = try? GroupManifest.read(url)
    if let reader = try? InputListReader(path: url.path) {
        for _ in reader {}
    }
    let firstLine = String(decoding: bytes.prefix { $0 != 0x0A }, as: UTF8.self)
    if let shard = try? Shard(firstLine) {
        _ = shard.contains(position: count)
    }
    return 0
}

@_cdecl("FuzzInputLists_main")
public func fuzzInputListsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzInputLists(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzInputLists(UnsafeRawPointer(data), size)
    }
}
