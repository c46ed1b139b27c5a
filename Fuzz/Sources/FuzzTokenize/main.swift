import Foundation
import FuseTokenizers
import FuzzSupport

/// Tokenization of arbitrary bytes with each real tokenizer family in the fixtures (WordPiece, byte-level BPE,
/// Metaspace/SentencePiece-style BPE with byte fallback, Llama BPE, CLIP, and the SentencePiece Unigram ones with
/// their Precompiled char maps: DeBERTa-v3 and XLM-R style, and one with a small custom char map). The first byte picks the tokenizer;
/// the rest is decoded as UTF-8 (invalid sequences become U+FFFD, as reading a text file does), encoded, and the
/// ids decoded back. Arbitrary ids are decoded too (the second half of the input read as little-endian Int32s).
let tokenizers: [Tokenizer] = {
    let text = Scratch.fixtures.appendingPathComponent("text")
    return [
        "minilm/tokenizer.json", "bytelevel_bpe/tokenizer.json", "metaspace_bpe/tokenizer.json",
        "llama_bpe/tokenizer.json", "clip/bpe_simple_vocab_16e6.txt.gz", "bytelevel_bpe/files/vocab.json",
        "minilm/vocab.txt", "unigram/deberta_v3.tokenizer.json", "unigram/xlm_roberta.tokenizer.json",
        "unigram/tiny_rules.tokenizer.json",
    ].map { try! Tokenizer.load(from: text.appendingPathComponent($0)) }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenize(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let tokenizer = tokenizers[Int(bytes[0]) % tokenizers.count]
    let body = UnsafeRawBufferPointer(rebasing: bytes[1...])
    let text = String(decoding: body, as: UTF8.self)
    if let encoding = try? tokenizer.encode(text) {
        _ = tokenizer.decode(encoding.ids)
        _ = tokenizer.decode(encoding.ids, skipSpecialTokens: false)
    }
    _ = try? tokenizer.encode(text, addSpecialTokens: false)
    // Ids straight from the input, including negative and out-of-vocabulary ones.
    var ids: [Int32] = []
    var i = body.count / 2
    while i + 4 <= body.count {
        ids.append(Int32(littleEndian: body.loadUnaligned(fromByteOffset: i, as: Int32.self)))
        i += 4
    }
    _ = tokenizer.decode(ids)
    _ = tokenizer.decode(ids, skipSpecialTokens: false)
    return 0
}

@_cdecl("FuzzTokenize_main")
public func fuzzTokenizeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Globals are built before fuzzing starts, so their allocations are not charged to the first input.
    _ = tokenizers.count
    return runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzTokenize(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzTokenize(UnsafeRawPointer(data), size)
    }
}
