import Foundation
import TextBPE

/// The word-boundary marker a tokenizer writes into its tokens: GPT-2's byte-level `Ġ` (the byte 0x20 mapped to
/// U+0120) or SentencePiece / Llama's metaspace `▁` (U+2581). FuseLLM strips or swaps it when comparing tokens of
/// two vocabularies.
public enum WordBoundaryMarker: String, Sendable, Codable {
    case byteLevel = "Ġ"
    case metaspace = "▁"
}

/// A tokenizer's vocabulary as FuseLLM needs it: token strings by id, ids by token string, and its marker.
///
/// Built from `tokenizer.json` (the model's `vocab` plus `added_tokens`); FuseLLM works on token *strings*, as
/// FuseLLM's Python does with `convert_ids_to_tokens` and `get_vocab()`.
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

    /// Reads the vocabulary and marker of a Hugging Face `tokenizer.json`.
    public static func load(tokenizerFile url: URL) throws -> LLMVocabulary {
        try FuseError.requireFile(url)
        let file = url.path
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw FuseError.unreadable(path: file, reason: FileErrorReason.describe(error))
        }
        let parsed = try JSONErrorReason.jsonObject(data) { LLMError.invalidTokenizer(file: file, reason: $0) }
        guard let root = parsed as? [String: Any] else {
            throw LLMError.invalidTokenizer(file: file, reason: "not a JSON object")
        }
        guard let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Any] else {
            throw LLMError.invalidTokenizer(file: file, reason: "no model.vocab object (only BPE vocabularies are supported)")
        }
        // Ids index a dense table: each must be a whole number in 0…Tokenizer.maximumTokenID (a negative id trapped,
        // 2⁴⁰ asked for a terabyte table). Added tokens get the ids HF tokenizers gives them, as `Tokenizer` does.
        var byID = [Int: String]()
        var modelIDs = [String: Int32]()
        for (token, value) in vocab {
            guard let id = JSONNumber.exactInteger(value), Tokenizer.acceptsID(id) else {
                throw LLMError.invalidTokenizer(
                    file: file, reason: "model.vocab['\(token)'] is \(value), not a token id in 0…\(Tokenizer.maximumTokenID)")
            }
            byID[id] = token
            modelIDs[token] = Int32(id)
        }
        var declared: [AddedToken] = []
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let value = entry["id"] else {
                throw LLMError.invalidTokenizer(file: file, reason: "an added_tokens entry lacks id or content")
            }
            guard let id = JSONNumber.exactInteger(value), Tokenizer.acceptsID(id) else {
                throw LLMError.invalidTokenizer(
                    file: file, reason: "added token '\(content)' has id \(value), not a token id in 0…\(Tokenizer.maximumTokenID)")
            }
            declared.append(AddedToken(content: content, id: Int32(id)))
        }
        for token in try AddedToken.assigningHuggingFaceIDs(declared, modelVocabulary: modelIDs, file: file) {
            byID[Int(token.id)] = token.content
        }
        guard let maxID = byID.keys.max() else {
            throw LLMError.invalidTokenizer(file: file, reason: "the vocabulary is empty")
        }
        var tokens = [String](repeating: "", count: maxID + 1)
        for (id, token) in byID { tokens[id] = token }
        guard let marker = detectMarker(root) else {
            throw LLMError.invalidTokenizer(
                file: file, reason: "neither a ByteLevel (Ġ) nor a Metaspace (▁) tokenizer; FuseLLM needs one of them")
        }
        return LLMVocabulary(tokens: tokens, marker: marker)
    }

    /// Finds the marker from the pre-tokenizer, normalizer or decoder (Llama 2 puts `▁` in a normalizer).
    private static func detectMarker(_ root: [String: Any]) -> WordBoundaryMarker? {
        func types(_ node: Any?) -> [String] {
            guard let dict = node as? [String: Any] else { return [] }
            var found: [String] = []
            if let type = dict["type"] as? String { found.append(type) }
            if let content = dict["content"] as? String, content == "▁" { found.append("Metaspace") }
            if let pattern = dict["pattern"] as? [String: Any], pattern["String"] as? String == "▁" {
                found.append("Metaspace")
            }
            for key in ["pretokenizers", "normalizers", "decoders"] {
                for child in dict[key] as? [Any] ?? [] { found += types(child) }
            }
            return found
        }
        let all = types(root["pre_tokenizer"]) + types(root["normalizer"]) + types(root["decoder"])
        if all.contains("ByteLevel") { return .byteLevel }
        if all.contains("Metaspace") || all.contains("Prepend") { return .metaspace }
        return nil
    }
}
