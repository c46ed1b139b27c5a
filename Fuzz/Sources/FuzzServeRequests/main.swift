import Foundation
import FuseServer
import FuzzSupport
import FuseTokenizers
import TextBPE

/// `fuse serve`'s request decoders: the first byte picks a route (`RequestDecoder.Route`, in order: /v1/embeddings,
/// /embed, /tokenize, /v1/fuse, /v1/describe), the rest is its JSON body. Every body must decode to items or fail
/// with a `ServerError` (never a crash or a hang); data URIs are decoded on the way. `/tokenize` bodies are also
/// tokenized with offsets (`TokenOffsets`) by a WordPiece and a byte-level BPE tokenizer from the fixtures, and
/// every offset must lie inside its text.
let tokenizers: [Tokenizer] = {
    let text = Scratch.fixtures.appendingPathComponent("text")
    return ["minilm/tokenizer.json", "bytelevel_bpe/tokenizer.json"].map {
        try! Tokenizer.load(from: text.appendingPathComponent($0))
    }
}()
let routes = RequestDecoder.Route.allCases
/// Small limits, so the count checks are reached by short inputs too.
let limits: ServerConfiguration.Limits = {
    var limits = ServerConfiguration.Limits()
    limits.maxInputs = 64
    return limits
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServeRequests(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let selector = Int(bytes[0])
    let body = Data(bytes[1...])
    let route = routes[selector % routes.count]
    do {
        _ = try RequestDecoder.check(route, body: body, limits: limits)
    } catch is ServerError {
    } catch {
        fatalError("\(route.rawValue): a body failed with \(type(of: error)), not a ServerError: \(error)")
    }
    if route == .tokenize {
        let tokenizer = tokenizers[(selector / routes.count) % tokenizers.count]
        guard let lists = try? RequestDecoder.tokenize(body: body, tokenizer: tokenizer, limits: limits) else {
            return 0
        }
        for (text, tokens) in lists {
            let length = text.utf8.count
            var previous = 0
            for token in tokens {
                guard let range = token.range else { continue }
                precondition(
                    range.lowerBound >= previous && range.upperBound <= length && !range.isEmpty,
                    "offset \(range) out of order or outside a text of \(length) bytes")
                previous = range.lowerBound
            }
        }
    }
    return 0
}

@_cdecl("FuzzServeRequests_main")
public func fuzzServeRequestsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Globals are built before fuzzing starts, so their allocations are not charged to the first input.
    _ = tokenizers.count
    return runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzServeRequests(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzServeRequests(UnsafeRawPointer(data), size)
    }
}
