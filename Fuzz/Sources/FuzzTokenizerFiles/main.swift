import Foundation
import FuseTokenizers
import FuzzSupport

/// Tokenizer files. The first byte picks the format, the rest is the file (two files are separated by `\n%%\n`):
/// 0 `tokenizer.json`; 1 GPT-2 `vocab.json` %% `merges.txt`; 2 BERT `vocab.txt` %% `tokenizer_config.json`;
/// 3 CLIP's `bpe_simple_vocab_16e6.txt`; 4 the same gzip-compressed (`.txt.gz`).
/// A tokenizer that loads then encodes and decodes a fixed mixed-script text.
let separator = Array("\n%%\n".utf8)
let probe = "Hello, world! A man is eating food. Ünïcödé 日本語テキスト 🙂 <|endoftext|> [CLS] don't   tabs\t\n"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerFiles(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let body = UnsafeRawBufferPointer(rebasing: bytes[1...])
    let tokenizer: Tokenizer?
    switch bytes[0] % 5 {
    case 0:
        tokenizer = try? Tokenizer.fromJSON(Data(body))
    case 1:
        let parts = splitInput(body, separator: separator, maxParts: 2)
        let folder = Scratch.folder("gpt2")
        Scratch.write(parts[0], to: "gpt2/vocab.json")
        Scratch.write(parts.count > 1 ? parts[1] : Data(), to: "gpt2/merges.txt")
        tokenizer = try? Tokenizer.load(from: folder.appendingPathComponent("vocab.json"))
    case 2:
        let parts = splitInput(body, separator: separator, maxParts: 2)
        let folder = Scratch.folder("bert")
        Scratch.write(parts[0], to: "bert/vocab.txt")
        Scratch.write(parts.count > 1 ? parts[1] : Data(), to: "bert/tokenizer_config.json")
        tokenizer = try? Tokenizer.load(from: folder.appendingPathComponent("vocab.txt"))
    case 3:
        tokenizer = try? Tokenizer.load(from: Scratch.write(body, to: "bpe_simple_vocab_16e6.txt"))
    default:
        tokenizer = try? Tokenizer.load(from: Scratch.write(body, to: "bpe_simple_vocab_16e6.txt.gz"))
    }
    guard let tokenizer else { return 0 }
    if let encoding = try? tokenizer.encode(probe) {
        _ = tokenizer.decode(encoding.ids)
        _ = tokenizer.decode(encoding.ids, skipSpecialTokens: false)
    }
    return 0
}

@_cdecl("FuzzTokenizerFiles_main")
public func fuzzTokenizerFilesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Globals are built before fuzzing starts, so their allocations are not charged to the first input.
    _ = (probe, separator)
    return runFuzzer(argc, argv) { data, size in
        guard let data else { return fuzzTokenizerFiles(UnsafeRawPointer(bitPattern: 1)!, 0) }
        return fuzzTokenizerFiles(UnsafeRawPointer(data), size)
    }
}
