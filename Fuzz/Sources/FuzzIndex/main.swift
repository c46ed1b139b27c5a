import Foundation
import FuseIndex
import FuzzSupport

/// The index's two readers of untrusted input. First byte even: the rest is a database file, opened as an index and
/// searched (a damaged or foreign file must be an `IndexError`, never a crash or a wrong-sized read). First byte odd:
/// the rest is a search query, words split at NUL or newline, parsed by `SearchQuery`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIndex(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    let rest = UnsafeRawBufferPointer(rebasing: bytes[1...])
    if selector % 2 == 0 {
        let url = Scratch.write(rest, to: "index.sqlite")
        for suffix in ["-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: url.path + suffix) }
        if let index = try? FuseIndex(readingFrom: url, precision: selector % 4 == 0 ? .float32 : .int8) {
            let query = [Float](
                repeating: 1 / Float(max(index.dimension, 1)).squareRoot(),
                count: min(index.dimension, 1 << 16))
            _ = try? index.search(vector: query, k: 5)
            _ = try? index.records()
        }
    } else {
        let words = rest.split(whereSeparator: { $0 == 0 || $0 == 0x0A }).map { String(decoding: $0, as: UTF8.self) }
        _ = try? SearchQuery(arguments: words, base: URL(fileURLWithPath: "/nonexistent-fuzz-base"))
    }
    return 0
}

@_cdecl("FuzzIndex_main")
public func fuzzIndexMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzIndex(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzIndex(UnsafeRawPointer(data), size)
    }
}
