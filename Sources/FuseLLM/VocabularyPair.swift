/// A source and a base vocabulary prepared for FuseLLM's comparisons: source tokens with the source marker
/// swapped for the base's (FuseLLM's `replace(blending_special, base_special)`), both vocabularies with markers
/// stripped (the DTW costs), the exact-match map (hard alignment) and, if computed, the MinED mapping (soft).
public struct VocabularyPair: Sendable {
    public let base: LLMVocabulary
    public let source: LLMVocabulary
    /// Source tokens with the source marker replaced by the base marker, by source id.
    public let replacedSource: [String]
    /// Marker-stripped tokens (the DTW cost compares these), by id.
    let strippedSource: [String]
    let strippedBase: [String]
    /// Base id of each source token that exists verbatim (after the marker swap) in the base vocabulary, else -1.
    public let exactToBase: [Int32]
    /// The source→base MinED mapping (needed for soft alignment).
    public let mapping: VocabularyMapping?

    /// Prepares the pair; `mapping` is the precomputed soft mapping (see ``VocabularyMapping/compute(pair:)``).
    public init(base: LLMVocabulary, source: LLMVocabulary, mapping: VocabularyMapping? = nil) throws {
        self.base = base
        self.source = source
        let from = source.marker.rawValue, to = base.marker.rawValue
        replacedSource = source.tokens.map { from == to ? $0 : $0.replacingOccurrences(of: from, with: to) }
        strippedSource = source.tokens.map { $0.replacingOccurrences(of: from, with: "") }
        strippedBase = base.tokens.map { $0.replacingOccurrences(of: to, with: "") }
        exactToBase = replacedSource.map { base.ids[$0] ?? -1 }
        if let mapping, mapping.sourceToBase.count != source.count {
            throw LLMError.invalidOption(
                name: "vocabulary mapping",
                reason: "holds \(mapping.sourceToBase.count) entries for a source vocabulary of \(source.count)")
        }
        self.mapping = mapping
    }

    /// The same pair with a soft mapping attached.
    public func with(mapping: VocabularyMapping) throws -> VocabularyPair {
        try VocabularyPair(base: base, source: source, mapping: mapping)
    }
}
