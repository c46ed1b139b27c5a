extension AddedToken {
    /// The ids HF `tokenizers` gives the `added_tokens` of a `tokenizer.json` when it loads one: the ids written in
    /// the file are not used (HF only warns when they differ). In file order, a token whose content was already
    /// added is skipped (the first one's flags stand); content the model vocabulary holds takes that id; new content
    /// takes the model vocabulary's size, or one past the largest added id once that reaches the size. For a
    /// well-formed file this reproduces the written ids; for a contradictory one (the same content at two ids, or an
    /// id the vocabulary gives another token) it gives what HF gives, instead of a table with holes or out-of-range ids.
    /// Throws `invalidTokenID` when an assigned id would pass `Tokenizer.maximumTokenID`.
    public static func assigningHuggingFaceIDs(
        _ tokens: [AddedToken], modelVocabulary: [String: Int32],
        file: String
    ) throws -> [AddedToken] {
        let vocabularySize = modelVocabulary.count
        var seen: Set<String> = []
        var largestAdded: Int?
        var result: [AddedToken] = []
        result.reserveCapacity(tokens.count)
        for var token in tokens where !token.content.isEmpty && !seen.contains(token.content) {
            let id: Int
            if let known = modelVocabulary[token.content] {
                id = Int(known)
            } else if let largest = largestAdded, largest >= vocabularySize || vocabularySize == 0 {
                id = largest + 1
            } else {
                id = vocabularySize
            }
            guard Tokenizer.acceptsID(id) else {
                throw TokenizerError.invalidTokenID(file: file, token: token.content, id: id)
            }
            token.id = Int32(id)
            seen.insert(token.content)
            largestAdded = max(largestAdded ?? id, id)
            result.append(token)
        }
        return result
    }
}
