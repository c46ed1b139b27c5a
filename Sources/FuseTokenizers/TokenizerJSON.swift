import Foundation
import FuseCore

/// Reads HF `tokenizer.json`: every component as real checkpoints write it.
struct TokenizerJSON {
    let file: String

    func tokenizer(from root: [String: Any]) throws -> Tokenizer {
        let section = try TokenizerVocabularySection(root: root, file: file)
        let modelSpec = root["model"] as? [String: Any] ?? [:]
        let preTokenizer = try (root["pre_tokenizer"] as? [String: Any]).map { try self.preTokenizer($0) }
        let normalizer = try (root["normalizer"] as? [String: Any]).map { try self.normalizer($0) }
        let (model, unk) = try self.model(modelSpec, section: section, byteLevel: preTokenizer?.isByteLevel ?? false)
        let vocab = section.modelVocabulary
        let added = section.addedTokens
        var full = vocab
        for token in added { full[token.content] = token.id }
        let post =
            try (root["post_processor"] as? [String: Any]).map { try postProcessor($0, vocab: full) } ?? .identity
        let decoder = try (root["decoder"] as? [String: Any]).map { try self.decoder($0) }
        var suffixCleanup: String? = nil
        if case .bpe(let bpe) = model, !bpe.endOfWordSuffix.isEmpty, case .byteLevel? = decoder {
            suffixCleanup = String(decoding: bpe.endOfWordSuffix, as: UTF8.self)
        }
        return Tokenizer(
            model: model, normalizer: normalizer, preTokenizer: preTokenizer, postProcessor: post,
            decoder: decoder, addedTokens: added, vocabulary: vocab,
            truncation: try truncation(root["truncation"]), padding: try padding(root["padding"]),
            unkToken: unk, decodeSuffixCleanup: suffixCleanup)
    }

    private func type(_ spec: [String: Any], _ field: String) throws -> String {
        guard let type = spec["type"] as? String else {
            throw TokenizerError.missingField(file: file, field: "\(field).type")
        }
        return type
    }

    func model(
        _ spec: [String: Any], section: TokenizerVocabularySection,
        byteLevel: Bool
    ) throws -> (TokenizerModel, String?) {
        let kind = section.modelType
        let vocab = section.modelVocabulary
        let unk = spec["unk_token"] as? String
        switch kind {
        case "BPE":
            guard !vocab.isEmpty else { throw TokenizerError.emptyVocabulary(file: file) }
            if let dropout = spec["dropout"] as? Double, dropout > 0 {
                throw TokenizerError.unsupportedComponent(file: file, field: "model.dropout", type: "\(dropout)")
            }
            let merges = try mergePairs(spec["merges"])
            let model = try BPEBuilder(file: file).build(
                vocab: vocab, merges: merges, unkToken: unk,
                continuingSubwordPrefix: spec["continuing_subword_prefix"] as? String,
                endOfWordSuffix: spec["end_of_word_suffix"] as? String, fuseUnk: spec["fuse_unk"] as? Bool ?? false,
                byteFallback: spec["byte_fallback"] as? Bool ?? false,
                ignoreMerges: spec["ignore_merges"] as? Bool ?? false,
                byteLevel: byteLevel)
            return (.bpe(model), unk)
        case "WordPiece":
            guard !vocab.isEmpty else { throw TokenizerError.emptyVocabulary(file: file) }
            let unkName = unk ?? "[UNK]"
            guard let unkID = vocab[unkName] else { throw TokenizerError.unknownToken(file: file, token: unkName) }
            let model = WordPieceModel(
                vocab: ByteKeyTable(vocab.lazy.map { ($0.key, $0.value) }, capacityHint: vocab.count),
                unkID: unkID,
                continuingSubwordPrefix: Array((spec["continuing_subword_prefix"] as? String ?? "##").utf8),
                maxInputCharsPerWord: spec["max_input_chars_per_word"] as? Int ?? 100)
            return (.wordPiece(model), unkName)
        case "Unigram":
            let pieces = section.unigramPieces
            var unkID: Int32? = nil
            if let raw = spec["unk_id"], !(raw is NSNull) {
                guard let id = JSONNumber.exactInteger(raw) else {
                    throw TokenizerError.invalidJSON(file: file, reason: "model.unk_id \(raw) is not a whole number")
                }
                guard !pieces.isEmpty else { throw TokenizerError.emptyVocabulary(file: file) }
                guard id >= 0 && id < pieces.count else {
                    throw TokenizerError.unknownIDOutOfRange(file: file, id: id, vocabularySize: pieces.count)
                }
                unkID = Int32(id)
            }
            let model = UnigramModel(
                pieces: pieces, unkID: unkID, byteFallback: spec["byte_fallback"] as? Bool ?? false)
            return (.unigram(model), unkID.map { pieces[Int($0)].piece })
        default:
            throw TokenizerError.unknownModelType(file: file, type: kind)
        }
    }

    /// Merges as `"a b"` strings (older files) or `["a", "b"]` pairs (newer ones).
    private func mergePairs(_ value: Any?) throws -> [(String, String)] {
        guard let list = value as? [Any] else { return [] }
        return try list.enumerated().map { index, entry in
            if let pair = entry as? [String], pair.count == 2 { return (pair[0], pair[1]) }
            if let text = entry as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                if parts.count == 2 { return (String(parts[0]), String(parts[1])) }
                throw TokenizerError.malformedMerge(file: file, line: index + 1, text: text)
            }
            throw TokenizerError.malformedMerge(file: file, line: index + 1, text: "\(entry)")
        }
    }

    private func pattern(_ value: Any?, field: String) throws -> TextPattern {
        guard let spec = value as? [String: Any] else {
            throw TokenizerError.missingField(file: file, field: "\(field).pattern")
        }
        if let literal = spec["String"] as? String { return .literal(Array(literal.utf8)) }
        guard let regex = spec["Regex"] as? String else {
            throw TokenizerError.missingField(file: file, field: "\(field).pattern")
        }
        if regex == #"\s+"# { return .whitespaceRun }
        return .regex(try RegexBox(regex, file: file))
    }

    func normalizer(_ spec: [String: Any]) throws -> Normalizer {
        let kind = try type(spec, "normalizer")
        switch kind {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Strip":
            return .strip(left: spec["strip_left"] as? Bool ?? true, right: spec["strip_right"] as? Bool ?? true)
        case "Prepend": return .prepend(Array((spec["prepend"] as? String ?? "").utf8))
        case "Precompiled":
            guard let charsmap = spec["precompiled_charsmap"] as? String else {
                throw TokenizerError.missingField(file: file, field: "normalizer.precompiled_charsmap")
            }
            return .precompiled(try PrecompiledCharsmap(base64: charsmap, file: file))
        case "Replace":
            return .replace(
                try pattern(spec["pattern"], field: "normalizer"),
                content: Array((spec["content"] as? String ?? "").utf8))
        case "BertNormalizer":
            let lowercase = spec["lowercase"] as? Bool ?? true
            return .bert(
                cleanText: spec["clean_text"] as? Bool ?? true,
                handleChineseChars: spec["handle_chinese_chars"] as? Bool ?? true,
                stripAccents: spec["strip_accents"] as? Bool ?? lowercase, lowercase: lowercase)
        case "Sequence":
            let steps = spec["normalizers"] as? [[String: Any]] ?? []
            return .sequence(try steps.map { try normalizer($0) })
        default:
            throw TokenizerError.unsupportedComponent(file: file, field: "normalizer", type: kind)
        }
    }

    func preTokenizer(_ spec: [String: Any]) throws -> PreTokenizer {
        let kind = try type(spec, "pre_tokenizer")
        switch kind {
        case "ByteLevel":
            return .byteLevel(
                addPrefixSpace: spec["add_prefix_space"] as? Bool ?? true, useRegex: spec["use_regex"] as? Bool ?? true)
        case "BertPreTokenizer": return .bert
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "Digits": return .digits(individual: spec["individual_digits"] as? Bool ?? false)
        case "Punctuation":
            return .punctuation(SplitBehavior(rawValue: spec["behavior"] as? String ?? "Isolated") ?? .isolated)
        case "Metaspace":
            let replacement = spec["replacement"] as? String ?? "▁"
            var scheme = PrependScheme(rawValue: spec["prepend_scheme"] as? String ?? "always") ?? .always
            if spec["prepend_scheme"] == nil, let add = spec["add_prefix_space"] as? Bool, !add { scheme = .never }
            return .metaspace(
                replacement: Array(replacement.utf8), prependScheme: scheme, split: spec["split"] as? Bool ?? true)
        case "Split":
            let behaviorName = spec["behavior"] as? String ?? "Isolated"
            guard let behavior = SplitBehavior(rawValue: behaviorName) else {
                throw TokenizerError.unsupportedComponent(
                    file: file, field: "pre_tokenizer.behavior", type: behaviorName)
            }
            let invert = spec["invert"] as? Bool ?? false
            let regex = (spec["pattern"] as? [String: Any])?["Regex"] as? String
            let rule: SplitRule
            switch regex {
            case RegexSplitters.gpt2Pattern?: rule = .gpt2
            case RegexSplitters.clipPatternWithSpecials?: rule = .clip(withSpecials: true)
            case RegexSplitters.clipPattern?: rule = .clip(withSpecials: false)
            default: rule = .pattern(try pattern(spec["pattern"], field: "pre_tokenizer"))
            }
            return .split(rule, behavior: behavior, invert: invert)
        case "Sequence":
            let steps = spec["pretokenizers"] as? [[String: Any]] ?? []
            return .sequence(try steps.map { try preTokenizer($0) })
        default:
            throw TokenizerError.unsupportedComponent(file: file, field: "pre_tokenizer", type: kind)
        }
    }

    private func tokenID(_ value: Any?, vocab: [String: Int32], field: String) throws -> [Int32] {
        // ["[CLS]", 101] pairs (Bert/RobertaProcessing).
        guard let pair = value as? [Any], pair.count == 2, let name = pair[0] as? String, let id = pair[1] as? Int
        else {
            throw TokenizerError.missingField(file: file, field: "post_processor.\(field)")
        }
        guard Tokenizer.acceptsID(id) else { throw TokenizerError.invalidTokenID(file: file, token: name, id: id) }
        return [Int32(id)]
    }

    func postProcessor(_ spec: [String: Any], vocab: [String: Int32]) throws -> PostProcessor {
        let kind = try type(spec, "post_processor")
        switch kind {
        case "ByteLevel": return .identity
        case "BertProcessing", "RobertaProcessing":
            let cls = try tokenID(spec["cls"], vocab: vocab, field: "cls")
            let sep = try tokenID(spec["sep"], vocab: vocab, field: "sep")
            return PostProcessor(single: [
                .special(ids: cls, typeID: 0), .sequence(typeID: 0), .special(ids: sep, typeID: 0),
            ])
        case "TemplateProcessing":
            guard let single = spec["single"] as? [[String: Any]] else {
                throw TokenizerError.missingField(file: file, field: "post_processor.single")
            }
            let specials = spec["special_tokens"] as? [String: [String: Any]] ?? [:]
            let items: [TemplateItem] = try single.map { item in
                if let seq = item["Sequence"] as? [String: Any] {
                    return .sequence(typeID: Int32(seq["type_id"] as? Int ?? 0))
                }
                guard let special = item["SpecialToken"] as? [String: Any], let name = special["id"] as? String else {
                    throw TokenizerError.invalidJSON(file: file, reason: "post_processor.single has an unknown item")
                }
                let ids: [Int32]
                if let listed = specials[name]?["ids"] as? [Int] {
                    ids = listed.map { Int32($0) }
                } else if let id = vocab[name] {
                    ids = [id]
                } else {
                    throw TokenizerError.unknownToken(file: file, token: name)
                }
                return .special(ids: ids, typeID: Int32(special["type_id"] as? Int ?? 0))
            }
            return PostProcessor(single: items)
        case "Sequence":
            let steps = try (spec["processors"] as? [[String: Any]] ?? []).map { try postProcessor($0, vocab: vocab) }
            return steps.last { $0.addedTokenCount > 0 } ?? .identity
        default:
            throw TokenizerError.unsupportedComponent(file: file, field: "post_processor", type: kind)
        }
    }

    func decoder(_ spec: [String: Any]) throws -> Decoder {
        let kind = try type(spec, "decoder")
        switch kind {
        case "ByteLevel": return .byteLevel
        case "WordPiece":
            return .wordPiece(prefix: spec["prefix"] as? String ?? "##", cleanup: spec["cleanup"] as? Bool ?? true)
        case "Metaspace":
            let replacement = (spec["replacement"] as? String ?? "▁").unicodeScalars.first ?? "▁"
            var scheme = PrependScheme(rawValue: spec["prepend_scheme"] as? String ?? "always") ?? .always
            if spec["prepend_scheme"] == nil, let add = spec["add_prefix_space"] as? Bool, !add { scheme = .never }
            return .metaspace(replacement: replacement, prependScheme: scheme)
        case "Replace":
            guard let literal = (spec["pattern"] as? [String: Any])?["String"] as? String else {
                throw TokenizerError.unsupportedComponent(file: file, field: "decoder", type: "Replace with a regex")
            }
            return .replace(pattern: literal, content: spec["content"] as? String ?? "")
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            let content = (spec["content"] as? String ?? " ").unicodeScalars.first ?? " "
            return .strip(content: content, start: spec["start"] as? Int ?? 0, stop: spec["stop"] as? Int ?? 0)
        case "BPEDecoder": return .bpe(suffix: spec["suffix"] as? String ?? "</w>")
        case "Sequence":
            return .sequence(try (spec["decoders"] as? [[String: Any]] ?? []).map { try decoder($0) })
        default:
            throw TokenizerError.unsupportedComponent(file: file, field: "decoder", type: kind)
        }
    }

    private func truncation(_ value: Any?) throws -> Truncation? {
        guard let spec = value as? [String: Any], let maxLength = spec["max_length"] as? Int else { return nil }
        let direction: Side = (spec["direction"] as? String) == "Left" ? .left : .right
        return Truncation(maxLength: maxLength, direction: direction)
    }

    private func padding(_ value: Any?) throws -> Padding? {
        guard let spec = value as? [String: Any] else { return nil }
        var strategy = Padding.Strategy.batchLongest
        if let s = spec["strategy"] as? [String: Any], let fixed = s["Fixed"] as? Int { strategy = .fixed(fixed) }
        return Padding(
            strategy: strategy, direction: (spec["direction"] as? String) == "Left" ? .left : .right,
            padToMultipleOf: spec["pad_to_multiple_of"] as? Int,
            padID: Int32(spec["pad_id"] as? Int ?? 0), padTypeID: Int32(spec["pad_type_id"] as? Int ?? 0),
            padToken: spec["pad_token"] as? String ?? "[PAD]")
    }
}

/// Builds a BPE model from a vocabulary and merge list, checking that every merge names known tokens.
struct BPEBuilder {
    let file: String

    func build(
        vocab: [String: Int32], merges: [(String, String)], unkToken: String?, continuingSubwordPrefix: String?,
        endOfWordSuffix: String?, fuseUnk: Bool, byteFallback: Bool, ignoreMerges: Bool,
        byteLevel: Bool
    ) throws -> BPEModel {
        var table = MergeTable(capacity: merges.count)
        let prefixLength = continuingSubwordPrefix?.count ?? 0
        for (rank, (a, b)) in merges.enumerated() {
            guard let idA = vocab[a] else {
                throw TokenizerError.mergeReferencesAbsentToken(file: file, merge: "\(a) \(b)", token: a)
            }
            guard let idB = vocab[b] else {
                throw TokenizerError.mergeReferencesAbsentToken(file: file, merge: "\(a) \(b)", token: b)
            }
            let merged =
                a + (prefixLength > 0 && b.hasPrefix(continuingSubwordPrefix!) ? String(b.dropFirst(prefixLength)) : b)
            guard let result = vocab[merged] else {
                throw TokenizerError.mergeReferencesAbsentToken(file: file, merge: "\(a) \(b)", token: merged)
            }
            table.insert(idA, idB, rank: Int32(rank), result: result)
        }
        // HF only needs the unknown token when a character is missing, so an absent one is not an error here.
        let unkID = unkToken.flatMap { vocab[$0] }
        return BPEModel(
            vocab: ByteKeyTable(vocab.lazy.map { ($0.key, $0.value) }, capacityHint: vocab.count),
            merges: table, unkID: unkID, continuingSubwordPrefix: continuingSubwordPrefix,
            endOfWordSuffix: endOfWordSuffix, fuseUnk: fuseUnk, byteFallback: byteFallback,
            ignoreMerges: ignoreMerges, byteLevel: byteLevel)
    }
}
