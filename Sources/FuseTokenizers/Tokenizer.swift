import Foundation

/// The tokenization model: byte-pair encoding (GPT-2, CLIP, Llama), WordPiece (BERT) or SentencePiece Unigram
/// (DeBERTa-v3, XLM-R, T5).
enum TokenizerModel: Sendable {
    case bpe(BPEModel)
    case wordPiece(WordPieceModel)
    case unigram(UnigramModel)

    @inline(__always)
    func tokenize(_ word: UnsafePointer<UInt8>, _ n: Int, into out: inout [Int32], scratch: BPEScratch) {
        switch self {
        case .bpe(let model): model.tokenize(word, n, into: &out, scratch: scratch)
        case .wordPiece(let model): model.tokenize(word, n, into: &out, scratch: scratch)
        case .unigram(let model): model.tokenize(word, n, into: &out, scratch: scratch)
        }
    }
}

/// A text tokenizer that reproduces Hugging Face `tokenizers` id for id: added tokens, normalizer,
/// pre-tokenizer, model (BPE, WordPiece or Unigram), post-processor, truncation and padding, and decoding.
///
/// ```swift
/// let tokenizer = try Tokenizer.load(from: URL(fileURLWithPath: "models/clip/tokenizer.json"))
/// let ids = try tokenizer.encode("a photo of a cat").ids
/// let text = tokenizer.decode(ids)
/// ```
public struct Tokenizer: Sendable {
    let model: TokenizerModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor
    let decoder: Decoder?
    let added: AddedVocabulary
    let table: VocabularyTable
    let specialIDs: Set<Int32>
    let pool = EncodeStatePool()
    /// transformers' CLIP decode turns the end-of-word suffix into spaces and strips the result.
    let decodeSuffixCleanup: String?

    /// Token → id for the model vocabulary and the added tokens (what FuseLLM aligns vocabularies with).
    public let vocabulary: [String: Int32]
    /// Truncation applied by `encode` (loaded from tokenizer.json when set there).
    public var truncation: Truncation?
    /// Padding applied by `encode` / `encodeBatch` (loaded from tokenizer.json when set there).
    public var padding: Padding?
    /// Longest text, in UTF-8 bytes, that `encode`, `encodeBatch` and `modelIDsBatch` accept (each text of a batch
    /// is checked); longer input throws `inputTooLong` before any work. See `TokenizerLimits.swift`.
    public var maxInputBytes = Tokenizer.defaultMaxInputBytes

    public let bosTokenID: Int32?
    public let eosTokenID: Int32?
    public let padTokenID: Int32?
    public let unkTokenID: Int32?
    public let clsTokenID: Int32?
    public let sepTokenID: Int32?

    /// Number of ids (the largest id + 1), added tokens included.
    public var vocabSize: Int { table.tokens.count }
    /// The added tokens (special tokens and user-added ones).
    public var addedTokens: [AddedToken] { added.tokens }
    /// How many special tokens `encode(_:addSpecialTokens: true)` adds around a text.
    public var specialTokenCount: Int { postProcessor.addedTokenCount }

    /// The id of a token string, if the vocabulary has it.
    public func id(forToken token: String) -> Int32? { vocabulary[token] }
    /// The token string of an id, if it is in range.
    public func token(forID id: Int32) -> String? { table.token(for: id) }
    /// Whether an id is an added special token.
    public func isSpecial(_ id: Int32) -> Bool { specialIDs.contains(id) }

    init(
        model: TokenizerModel, normalizer: Normalizer?, preTokenizer: PreTokenizer?, postProcessor: PostProcessor,
        decoder: Decoder?, addedTokens: [AddedToken], vocabulary: [String: Int32], truncation: Truncation?,
        padding: Padding?, specialTokenNames: [String: String] = [:], unkToken: String? = nil,
        decodeSuffixCleanup: String? = nil
    ) {
        self.model = model
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.added = AddedVocabulary(addedTokens)
        var full = vocabulary
        for token in addedTokens { full[token.content] = token.id }
        self.vocabulary = full
        // Sized by every id, not by `full`'s: an added token can take over a content the vocabulary holds at another id.
        let largestID = max(vocabulary.values.max() ?? -1, addedTokens.lazy.map(\.id).max() ?? -1)
        var tokens = [String?](repeating: nil, count: Int(largestID) + 1)
        for (token, id) in vocabulary { tokens[Int(id)] = token }
        for token in addedTokens { tokens[Int(token.id)] = token.content }
        self.table = VocabularyTable(tokens)
        self.specialIDs = Set(addedTokens.filter(\.special).map(\.id))
        self.truncation = truncation
        self.padding = padding
        self.decodeSuffixCleanup = decodeSuffixCleanup
        func find(_ role: String, _ candidates: [String]) -> Int32? {
            if let name = specialTokenNames[role], let id = full[name] { return id }
            return candidates.lazy.compactMap { full[$0] }.first
        }
        bosTokenID = find("bos", ["<s>", "<|startoftext|>", "<|begin_of_text|>", "<bos>", "[BOS]"])
        eosTokenID = find("eos", ["</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "[EOS]"])
        unkTokenID = unkToken.flatMap { full[$0] } ?? find("unk", ["[UNK]", "<unk>", "<|endoftext|>"])
        padTokenID = padding.map(\.padID) ?? find("pad", ["[PAD]", "<pad>", "<|endoftext|>"])
        clsTokenID = find("cls", ["[CLS]"])
        sepTokenID = find("sep", ["[SEP]"])
    }

    /// Encodes one text: ids, type ids, attention mask; special tokens added unless `addSpecialTokens` is false.
    /// Truncation and padding apply when set.
    public func encode(_ text: String, addSpecialTokens: Bool = true) throws -> Encoding {
        try checkLength(text)
        let state = pool.checkOut()
        defer { pool.checkIn(state) }
        var encoding = try finish(modelIDs(text, state: state), addSpecialTokens: addSpecialTokens)
        if let padding { encoding.pad(to: paddedLength(encoding.count, padding), with: padding) }
        return encoding
    }

    /// Encodes many texts on all cores; padding with `.batchLongest` pads to the longest of the batch.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true) throws -> [Encoding] {
        var results = [Encoding?](repeating: nil, count: texts.count)
        let idsOnly = try modelIDsBatch(texts)
        for (i, ids) in idsOnly.enumerated() { results[i] = try finish(ids, addSpecialTokens: addSpecialTokens) }
        var encodings = results.map { $0! }
        if let padding {
            let longest = encodings.map(\.count).max() ?? 0
            for i in encodings.indices {
                let target: Int
                switch padding.strategy {
                case .batchLongest: target = paddedLength(longest, padding)
                case .fixed: target = paddedLength(encodings[i].count, padding)
                }
                encodings[i].pad(to: target, with: padding)
            }
        }
        return encodings
    }

    /// Model ids of many texts (no special tokens, truncation or padding), computed on `threads` threads (default:
    /// all cores). The fast path for bulk tokenization (benchmarks, long documents).
    public func modelIDsBatch(_ texts: [String], threads: Int? = nil) throws -> [[Int32]] {
        for text in texts { try checkLength(text) }
        var out = [[Int32]](repeating: [], count: texts.count)
        let chunk = 64
        let chunks = (texts.count + chunk - 1) / chunk
        let workers = min(max(threads ?? ProcessInfo.processInfo.activeProcessorCount, 1), max(chunks, 1))
        let next = ChunkCounter()
        out.withUnsafeMutableBufferPointer { results in
            nonisolated(unsafe) let results = results
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let state = pool.checkOut()
                defer { pool.checkIn(state) }
                while true {
                    let c = next.take()
                    if c >= chunks { break }
                    for i in (c * chunk)..<min((c + 1) * chunk, texts.count) {
                        results[i] = modelIDs(texts[i], state: state)
                    }
                }
            }
        }
        return out
    }

    /// Model ids of one text, before post-processing.
    func modelIDs(_ text: String, state: EncodeState) -> [Int32] {
        var text = text
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        text.withUTF8 { buf in
            if added.isEmpty {
                state.segments.removeAll(keepingCapacity: true)
                state.segments.append(.text(0..<buf.count))
            } else {
                added.split(buf, into: &state.segments)
            }
            for segment in state.segments {
                switch segment {
                case .token(let id): ids.append(id)
                case .text(let range):
                    encodeSegment(
                        UnsafeBufferPointer(rebasing: buf[range]), atOriginalStart: range.lowerBound == 0,
                        state: state, into: &ids)
                }
            }
        }
        return ids
    }

    private func encodeSegment(
        _ raw: UnsafeBufferPointer<UInt8>, atOriginalStart: Bool, state: EncodeState,
        into ids: inout [Int32]
    ) {
        var buffer = Array(raw)
        if let normalizer { buffer = normalizer.apply(buffer) }
        guard !buffer.isEmpty else { return }
        state.pieces.removeAll(keepingCapacity: true)
        state.pieces.append(Piece(0, buffer.count))
        if let preTokenizer { preTokenizer.run(&buffer, &state.pieces, atOriginalStart: atOriginalStart) }
        buffer.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            for piece in state.pieces where piece.end > piece.start {
                let p = base + piece.start
                let n = piece.end - piece.start
                let h = ByteKeyTable.hash(p, n)
                if state.cache.append(p, n, hash: h, to: &ids) { continue }
                let before = ids.count
                model.tokenize(p, n, into: &ids, scratch: state.scratch)
                state.cache.insert(p, n, hash: h, ids: ids[before...])
            }
        }
    }

    /// Truncates and post-processes model ids.
    private func finish(_ modelIDs: [Int32], addSpecialTokens: Bool) throws -> Encoding {
        var ids = modelIDs
        if let truncation {
            let reserved = addSpecialTokens ? postProcessor.addedTokenCount : 0
            guard truncation.maxLength >= reserved else {
                throw TokenizerError.invalidOption(
                    name: "truncation.maxLength",
                    reason: "\(truncation.maxLength) leaves no room for the \(reserved) special tokens")
            }
            let keep = truncation.maxLength - reserved
            if ids.count > keep {
                ids = truncation.direction == .right ? Array(ids.prefix(keep)) : Array(ids.suffix(keep))
            }
        }
        let processed = postProcessor.apply(ids, addSpecialTokens: addSpecialTokens)
        return Encoding(
            ids: processed.ids, typeIDs: processed.typeIDs,
            attentionMask: [Int32](repeating: 1, count: processed.ids.count),
            specialTokensMask: processed.special.map { $0 ? 1 : 0 }, vocabulary: table)
    }

    private func paddedLength(_ length: Int, _ padding: Padding) -> Int {
        var target = length
        if case .fixed(let fixed) = padding.strategy { target = max(length, fixed) }
        if let multiple = padding.padToMultipleOf, multiple > 0, target % multiple != 0 {
            target += multiple - target % multiple
        }
        return target
    }

    /// Turns ids back into text through the decoder (special tokens dropped when `skipSpecialTokens`), as HF
    /// tokenizers' `decode` does; transformers' CLIP clean-up of `</w>` is applied for CLIP vocabularies.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = true) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if skipSpecialTokens && specialIDs.contains(id) { continue }
            if let token = table.token(for: id) { tokens.append(token) }
        }
        var result = decoder.map { $0.decodeChain(tokens).joined() } ?? tokens.joined(separator: " ")
        if let suffix = decodeSuffixCleanup {
            result = replacingBytes(in: result, suffix, with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return result
    }
}

/// Hands out chunk indices to the workers of a batch.
final class ChunkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
