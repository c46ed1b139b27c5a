import CZlib
import Foundation
import FuseCore

extension Tokenizer {
    /// Loads a tokenizer from what users have on disk:
    /// - an HF `tokenizer.json`;
    /// - a GPT-2 style `vocab.json` (with `merges.txt` beside it), or a folder holding the pair;
    /// - CLIP's `bpe_simple_vocab_16e6.txt` or `.txt.gz` (context length 77, truncation keeps the end token);
    /// - a BERT `vocab.txt` (lower-casing unless a `tokenizer_config.json` beside it says `do_lower_case: false`);
    /// - a model folder holding one of these (tokenizer.json first).
    public static func load(from url: URL) throws -> Tokenizer {
        switch PathKind.of(url) {
        case .missing: throw TokenizerError.fileNotFound(path: url.path)
        case .symbolicLinkLoop: throw FuseError.symbolicLinkLoop(path: url.path)
        case .inaccessible(let reason): throw TokenizerError.unreadable(path: url.path, reason: reason)
        case .file, .directory: break
        }
        if PathKind.of(url) == .directory {
            for name in [
                "tokenizer.json", "vocab.json", "vocab.txt", "bpe_simple_vocab_16e6.txt.gz",
                "bpe_simple_vocab_16e6.txt",
            ] {
                let candidate = url.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: candidate.path) { return try load(from: candidate) }
            }
            throw TokenizerError.noTokenizerFiles(directory: url.path)
        }
        let name = url.lastPathComponent
        if name.hasSuffix(".gz") || name.hasPrefix("bpe_simple_vocab") { return try clip(mergesFile: url) }
        if name.hasSuffix(".txt") && name != "merges.txt" { return try bertVocab(url) }
        if name == "merges.txt" {
            return try gpt2(vocab: url.deletingLastPathComponent().appendingPathComponent("vocab.json"), merges: url)
        }
        return try TokenizerFileCache.tokenizer(for: url) {
            let data = try read(url)
            let object = try JSONErrorReason.jsonObject(data) {
                TokenizerError.invalidJSON(file: url.path, reason: $0)
            }
            guard let root = object as? [String: Any] else {
                throw TokenizerError.invalidJSON(file: url.path, reason: "the top level is not an object")
            }
            // A bare token → id map is a GPT-2 vocab.json (an empty one is too, when the file is named so).
            if root["model"] == nil && root.values.allSatisfy({ $0 is Int }) && (!root.isEmpty || name == "vocab.json")
            {
                return try gpt2(
                    vocab: url, merges: url.deletingLastPathComponent().appendingPathComponent("merges.txt"))
            }
            return try TokenizerJSON(file: url.path).tokenizer(from: root)
        }
    }

    /// Parses tokenizer.json content already in memory (`file` names it in errors).
    public static func fromJSON(_ data: Data, file: String = "tokenizer.json") throws -> Tokenizer {
        let parsed = try JSONErrorReason.jsonObject(data) { TokenizerError.invalidJSON(file: file, reason: $0) }
        guard let root = parsed as? [String: Any] else {
            throw TokenizerError.invalidJSON(file: file, reason: "not a JSON object")
        }
        return try TokenizerJSON(file: file).tokenizer(from: root)
    }

    static func read(_ url: URL) throws -> Data {
        do { return try FileContents.data(at: url) } catch {
            throw TokenizerError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
    }

    /// GPT-2's files: byte-level BPE, no prefix space, `<|endoftext|>` special when present.
    static func gpt2(vocab vocabURL: URL, merges mergesURL: URL) throws -> Tokenizer {
        guard FileManager.default.fileExists(atPath: mergesURL.path) else {
            throw TokenizerError.fileNotFound(path: mergesURL.path)
        }
        let vocabData = try read(vocabURL)
        let parsed = try JSONErrorReason.jsonObject(vocabData) {
            TokenizerError.invalidJSON(file: vocabURL.path, reason: $0)
        }
        guard let raw = parsed as? [String: Any] else {
            throw TokenizerError.invalidJSON(file: vocabURL.path, reason: "vocab.json is not a JSON object")
        }
        var vocab: [String: Int32] = [:]
        for (token, value) in raw {
            guard let id = value as? Int, Tokenizer.acceptsID(id) else {
                throw TokenizerError.invalidTokenID(file: vocabURL.path, token: token, id: (value as? Int) ?? -1)
            }
            vocab[token] = Int32(id)
        }
        guard !vocab.isEmpty else { throw TokenizerError.emptyVocabulary(file: vocabURL.path) }
        let merges = try mergeLines(String(decoding: read(mergesURL), as: UTF8.self), file: mergesURL.path)
        let model = try BPEBuilder(file: mergesURL.path).build(
            vocab: vocab, merges: merges, unkToken: nil, continuingSubwordPrefix: nil, endOfWordSuffix: nil,
            fuseUnk: false, byteFallback: false, ignoreMerges: false, byteLevel: true)
        let added = vocab["<|endoftext|>"].map { [AddedToken(content: "<|endoftext|>", id: $0)] } ?? []
        return Tokenizer(
            model: .bpe(model), normalizer: nil, preTokenizer: .byteLevel(addPrefixSpace: false, useRegex: true),
            postProcessor: .identity, decoder: .byteLevel, addedTokens: added, vocabulary: vocab,
            truncation: nil, padding: nil)
    }

    /// merges.txt lines (`#version` header and blank lines skipped).
    static func mergeLines(_ text: String, file: String) throws -> [(String, String)] {
        var merges: [(String, String)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#version") || line.isEmpty { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError.malformedMerge(file: file, line: index + 1, text: String(line))
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }

    /// OpenAI CLIP's merges file, built into the tokenizer HF's CLIPTokenizerFast makes of it.
    static func clip(mergesFile url: URL) throws -> Tokenizer {
        let data = try read(url)
        let text = String(decoding: url.pathExtension == "gz" ? try gunzip(data, path: url.path) : data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // open_clip keeps merges 1 ..< 49152-256-2+1 of the file (the first line is a version header).
        let end = min(lines.count, 49152 - 256 - 2 + 1)
        guard end > 1 else { throw TokenizerError.emptyVocabulary(file: url.path) }
        var merges: [(String, String)] = []
        for index in 1..<end {
            let parts = lines[index].split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.malformedMerge(file: url.path, line: index + 1, text: String(lines[index]))
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        var tokens: [String] = []
        let base = ByteLevelAlphabet.scalars.map { String(Character(Unicode.Scalar($0)!)) }
        // The byte characters in the order of GPT-2's bytes_to_unicode dictionary (printable bytes first).
        let printable = (0..<256).filter {
            (0x21...0x7E).contains($0) || (0xA1...0xAC).contains($0) || (0xAE...0xFF).contains($0)
        }
        let ordered = printable + (0..<256).filter { !printable.contains($0) }
        let alphabet = ordered.map { base[$0] }
        tokens += alphabet
        tokens += alphabet.map { $0 + "</w>" }
        tokens += merges.map { $0.0 + $0.1 }
        tokens += ["<|startoftext|>", "<|endoftext|>"]
        var vocab: [String: Int32] = [:]
        for (id, token) in tokens.enumerated() { vocab[token] = Int32(id) }
        let model = try BPEBuilder(file: url.path).build(
            vocab: vocab, merges: merges, unkToken: "<|endoftext|>", continuingSubwordPrefix: "",
            endOfWordSuffix: "</w>",
            fuseUnk: false, byteFallback: false, ignoreMerges: false, byteLevel: true)
        let sot = vocab["<|startoftext|>"]!, eot = vocab["<|endoftext|>"]!
        return Tokenizer(
            model: .bpe(model),
            normalizer: .sequence([.nfc, .replace(.whitespaceRun, content: [0x20]), .lowercase]),
            preTokenizer: .sequence([
                .split(.clip(withSpecials: true), behavior: .removed, invert: true),
                .byteLevel(addPrefixSpace: false, useRegex: false),
            ]),
            postProcessor: PostProcessor(single: [
                .special(ids: [sot], typeID: 0), .sequence(typeID: 0), .special(ids: [eot], typeID: 0),
            ]),
            decoder: .byteLevel,
            addedTokens: [
                AddedToken(content: "<|startoftext|>", id: sot), AddedToken(content: "<|endoftext|>", id: eot),
            ],
            vocabulary: vocab, truncation: Truncation(maxLength: 77), padding: nil,
            specialTokenNames: ["bos": "<|startoftext|>", "eos": "<|endoftext|>", "pad": "<|endoftext|>"],
            unkToken: "<|endoftext|>", decodeSuffixCleanup: "</w>")
    }

    /// BERT's vocab.txt: one token per line, id = line number.
    static func bertVocab(_ url: URL) throws -> Tokenizer {
        let text = String(decoding: try read(url), as: UTF8.self)
        var vocab: [String: Int32] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        for (id, token) in lines.enumerated() where vocab[token] == nil { vocab[token] = Int32(id) }
        guard !vocab.isEmpty else { throw TokenizerError.emptyVocabulary(file: url.path) }
        guard let unk = vocab["[UNK]"] else { throw TokenizerError.unknownToken(file: url.path, token: "[UNK]") }
        guard let cls = vocab["[CLS]"], let sep = vocab["[SEP]"] else {
            throw TokenizerError.unknownToken(file: url.path, token: vocab["[CLS]"] == nil ? "[CLS]" : "[SEP]")
        }
        var lowercase = true
        let config = url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        if let data = try? FileContents.data(at: config),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let flag = object["do_lower_case"] as? Bool
        {
            lowercase = flag
        }
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { name in
            vocab[name].map { AddedToken(content: name, id: $0) }
        }
        let model = WordPieceModel(
            vocab: ByteKeyTable(vocab.lazy.map { ($0.key, $0.value) }, capacityHint: vocab.count),
            unkID: unk, continuingSubwordPrefix: Array("##".utf8), maxInputCharsPerWord: 100)
        return Tokenizer(
            model: .wordPiece(model),
            normalizer: .bert(cleanText: true, handleChineseChars: true, stripAccents: lowercase, lowercase: lowercase),
            preTokenizer: .bert,
            postProcessor: PostProcessor(single: [
                .special(ids: [cls], typeID: 0), .sequence(typeID: 0), .special(ids: [sep], typeID: 0),
            ]),
            decoder: .wordPiece(prefix: "##", cleanup: true), addedTokens: specials, vocabulary: vocab,
            truncation: nil, padding: nil, unkToken: "[UNK]")
    }
}

/// Inflates a gzip stream with zlib, at most `limit` bytes: a few KB of gzip can expand to gigabytes (a decompression bomb), and no
/// tokenizer file is anywhere near the default (CLIP's merges are 3.2 MB).
func gunzip(_ data: Data, path: String, limit: Int = Tokenizer.maximumInflatedFileSize) throws -> Data {
    var stream = z_stream()
    guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw TokenizerError.unreadable(path: path, reason: "zlib could not start inflating")
    }
    defer { inflateEnd(&stream) }
    var output = Data()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var status: Int32 = Z_OK
    try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.avail_in = uInt(input.count)
        repeat {
            try chunk.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                status = inflate(&stream, Z_NO_FLUSH)
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw TokenizerError.unreadable(
                        path: path, reason: "not a valid gzip stream (zlib status \(status))")
                }
                output.append(out.baseAddress!, count: out.count - Int(stream.avail_out))
                guard output.count <= limit else {
                    throw TokenizerError.unreadable(
                        path: path,
                        reason: "inflates to more than \(limit) bytes "
                            + "(a possible decompression bomb)")
                }
            }
        } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
    }
    guard status == Z_STREAM_END else { throw TokenizerError.unreadable(path: path, reason: "truncated gzip stream") }
    return output
}
