import Foundation
import FuseCore

/// The vocabulary part of a `tokenizer.json`: the model's token → id map (BPE and WordPiece write an object,
/// Unigram a list of `[piece, score]` pairs whose index is the id) and the added tokens with the ids HF
/// `tokenizers` gives them (`AddedToken.assigningHuggingFaceIDs`). The one place that reads these fields: the
/// tokenizer loader builds its model from it, and model loaders that only need the vocabulary size read just this.
///
/// ```swift
/// let size = try TokenizerVocabularySection.read(tokenizerFile: folder.appendingPathComponent("tokenizer.json")).size
/// ```
public struct TokenizerVocabularySection: Sendable {
    /// `model.type` (`BPE`, `WordPiece`, `Unigram`), inferred from the fields when a file omits it.
    public let modelType: String
    /// The model vocabulary, token → id (for Unigram: the last id of a piece listed twice, as HF keeps it).
    public let modelVocabulary: [String: Int32]
    /// The added tokens, in file order, with the ids HF gives them.
    public let addedTokens: [AddedToken]
    /// Unigram only: each id's piece and log-probability score, in id order.
    let unigramPieces: [(piece: String, score: Double)]
    /// How many ids the tokenizer can produce: the largest model or added id + 1 (0 for an empty vocabulary).
    public let size: Int

    /// Reads and parses `url` (a `tokenizer.json`) for its vocabulary only.
    public static func read(tokenizerFile url: URL) throws -> TokenizerVocabularySection {
        let data = try Tokenizer.read(url)
        let parsed = try JSONErrorReason.jsonObject(data) { TokenizerError.invalidJSON(file: url.path, reason: $0) }
        guard let root = parsed as? [String: Any] else {
            throw TokenizerError.invalidJSON(file: url.path, reason: "the top level is not an object")
        }
        return try TokenizerVocabularySection(root: root, file: url.path)
    }

    /// The vocabulary of a parsed `tokenizer.json` object; `file` names it in errors.
    init(root: [String: Any], file: String) throws {
        guard let spec = root["model"] as? [String: Any] else {
            throw TokenizerError.missingField(file: file, field: "model")
        }
        let kind =
            spec["type"] as? String
            ?? (spec["merges"] != nil
                ? "BPE"
                : spec["max_input_chars_per_word"] != nil
                    ? "WordPiece"
                    : spec["vocab"] is [Any] ? "Unigram" : "")
        modelType = kind
        var vocab: [String: Int32] = [:]
        var pieces: [(piece: String, score: Double)] = []
        switch kind {
        case "BPE", "WordPiece":
            guard let raw = spec["vocab"] as? [String: Any] else {
                throw TokenizerError.missingField(file: file, field: "model.vocab")
            }
            vocab.reserveCapacity(raw.count)
            for (token, value) in raw {
                guard let id = JSONNumber.exactInteger(value), Tokenizer.acceptsID(id) else {
                    throw TokenizerError.invalidTokenID(
                        file: file, token: token, id: JSONNumber.exactInteger(value) ?? -1)
                }
                vocab[token] = Int32(id)
            }
        case "Unigram":
            pieces = try Self.unigramPieces(spec["vocab"], file: file)
            vocab.reserveCapacity(pieces.count)
            for (id, entry) in pieces.enumerated() { vocab[entry.piece] = Int32(id) }
        default:
            throw TokenizerError.unknownModelType(file: file, type: kind)
        }
        modelVocabulary = vocab
        unigramPieces = pieces
        addedTokens = try AddedToken.assigningHuggingFaceIDs(
            Self.declaredAddedTokens(root["added_tokens"], file: file),
            modelVocabulary: vocab, file: file)
        let largestModelID = kind == "Unigram" ? pieces.count - 1 : Int(vocab.values.max() ?? -1)
        size = max(largestModelID, Int(addedTokens.lazy.map(\.id).max() ?? -1)) + 1
    }

    /// `added_tokens` as written (their ids are replaced by HF's assignment afterwards).
    private static func declaredAddedTokens(_ value: Any?, file: String) throws -> [AddedToken] {
        guard let value else { return [] }
        guard let list = value as? [Any] else {
            throw TokenizerError.invalidJSON(file: file, reason: "added_tokens is not a list")
        }
        return try list.map { item in
            guard let entry = item as? [String: Any], let content = entry["content"] as? String,
                let rawID = entry["id"]
            else {
                throw TokenizerError.invalidJSON(file: file, reason: "added_tokens entry without content or id")
            }
            guard let id = JSONNumber.exactInteger(rawID), Tokenizer.acceptsID(id) else {
                throw TokenizerError.invalidTokenID(
                    file: file, token: content, id: JSONNumber.exactInteger(rawID) ?? -1)
            }
            return AddedToken(
                content: content, id: Int32(id), special: entry["special"] as? Bool ?? false,
                singleWord: entry["single_word"] as? Bool ?? false, lstrip: entry["lstrip"] as? Bool ?? false,
                rstrip: entry["rstrip"] as? Bool ?? false, normalized: entry["normalized"] as? Bool ?? false)
        }
    }

    /// Unigram's `vocab`: `[[piece, score], …]`, each score a finite number (a log probability).
    private static func unigramPieces(_ value: Any?, file: String) throws -> [(piece: String, score: Double)] {
        guard let value else { throw TokenizerError.missingField(file: file, field: "model.vocab") }
        guard let list = value as? [Any] else {
            throw TokenizerError.invalidJSON(
                file: file, reason: "model.vocab of a Unigram model is not a list of [piece, score] pairs")
        }
        guard list.isEmpty || Tokenizer.acceptsID(list.count - 1) else {
            throw TokenizerError.invalidTokenID(file: file, token: "(entry \(list.count - 1))", id: list.count - 1)
        }
        return try list.enumerated().map { index, item in
            guard let pair = item as? [Any], pair.count == 2, let piece = pair[0] as? String else {
                throw TokenizerError.invalidJSON(
                    file: file, reason: "model.vocab[\(index)] is not a [piece, score] pair")
            }
            guard let number = pair[1] as? NSNumber, !JSONNumber.isBoolean(number), number.doubleValue.isFinite else {
                throw TokenizerError.invalidUnigramScore(file: file, piece: piece, index: index, value: "\(pair[1])")
            }
            return (piece, number.doubleValue)
        }
    }
}
