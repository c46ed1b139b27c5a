import Foundation
import FuseTokenizers

/// The word-boundary marker a tokenizer writes into its tokens: GPT-2's byte-level `Ġ` (the byte 0x20 mapped to
/// U+0120) or SentencePiece / Llama's metaspace `▁` (U+2581). FuseLLM strips or swaps it when comparing tokens of
/// two vocabularies.
public enum WordBoundaryMarker: String, Sendable, Codable {
    case byteLevel = "Ġ"
    case metaspace = "▁"
}

/// A tokenizer's vocabulary as FuseLLM needs it: token strings by id, ids by token string, and its marker.
///
/// A view of `Tokenizer`'s vocabulary (the model vocabulary plus the added tokens, with the ids HF `tokenizers`
/// gives them) and of the word-boundary marker its components use; FuseLLM works on token *strings*, as FuseLLM's
/// Python does with `convert_ids_to_tokens` and `get_vocab()`.
public struct LLMVocabulary: Sendable {
    /// Token strings indexed by id.
    public let tokens: [String]
    /// Ids by token string.
    public let ids: [String: Int32]
    public let marker: WordBoundaryMarker

    public var count: Int { tokens.count }

    public init(tokens: [String], marker: WordBoundaryMarker) {
        self.tokens = tokens
        self.marker = marker
        var ids = [String: Int32](minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = Int32(id) }
        self.ids = ids
    }

    /// The vocabulary of a loaded tokenizer (`file` names it in errors). An id no token holds reads as "".
    /// Throws `invalidTokenizer` when the tokenizer uses neither a byte-level nor a metaspace word boundary.
    public init(tokenizer: Tokenizer, file: String) throws {
        guard let marker = WordBoundaryMarker(tokenizer) else {
            throw LLMError.invalidTokenizer(
                file: file, reason: "neither a ByteLevel (Ġ) nor a Metaspace (▁) tokenizer; FuseLLM needs one of them")
        }
        guard tokenizer.vocabSize > 0 else {
            throw LLMError.invalidTokenizer(file: file, reason: "the vocabulary is empty")
        }
        self.init(tokens: (0..<tokenizer.vocabSize).map { tokenizer.token(forID: Int32($0)) ?? "" }, marker: marker)
    }

    /// Reads the vocabulary and marker of a Hugging Face `tokenizer.json` through `Tokenizer.load`; what the
    /// tokenizer library refuses (ids that cannot index a token table, a malformed file) is `invalidTokenizer`.
    public static func load(tokenizerFile url: URL) throws -> LLMVocabulary {
        try FuseError.requireFile(url)
        return try LLMVocabulary(tokenizer: loadTokenizer(url), file: url.path)
    }

    /// `Tokenizer.load(from:)` with the library's errors as `LLMError.invalidTokenizer` naming the file.
    static func loadTokenizer(_ url: URL) throws -> Tokenizer {
        do { return try Tokenizer.load(from: url) } catch let error as TokenizerError {
            throw LLMError.invalidTokenizer(file: url.path, reason: "\(error)")
        }
    }
}

extension WordBoundaryMarker {
    /// The marker a tokenizer's components use: byte-level when a pre-tokenizer or decoder is ByteLevel, metaspace
    /// when one is Metaspace or a normalizer writes `▁` (Llama 2's Prepend/Replace); nil otherwise.
    init?(_ tokenizer: Tokenizer) {
        if tokenizer.usesByteLevelAlphabet {
            self = .byteLevel
        } else if tokenizer.usesMetaspace {
            self = .metaspace
        } else {
            return nil
        }
    }
}
