import Foundation
import FuseCore

/// Something that gives captions for an input, so LENS's prompt can carry a `Captions:` section.
///
/// LENS samples captions from BLIP; Fuse ships no generative captioner, and a `Describer` without one leaves
/// captions out (nil) and the prompt without the section. `RetrievalCaptioner` is the one Fuse has: it ranks the
/// sentences of a caption bank in the shared space. A generative captioner can decode `source` itself.
public protocol Captioner: Sendable {
    /// An identifier for messages and JSON output.
    var id: String { get }
    /// Up to `count` captions for the input at `source` whose shared-space embedding is `embedding`, best first.
    func captions(for source: URL, embedding: Embedding, count: Int) async throws -> [String]
}

/// Captions retrieved, not generated: the sentences of a caption bank (a plain text file, one caption per line)
/// closest to the input in the shared space, best first — the same cosine ranking LENS applies to its sampled
/// captions. The bank's embeddings are cached like any vocabulary.
public struct RetrievalCaptioner: Captioner {
    public let bank: DescriptorScorer
    public var id: String { "retrieval:\(bank.vocabulary.name)" }

    public init(bank: DescriptorScorer) {
        self.bank = bank
    }

    /// Embeds (or loads from `cache`) the captions of `bank` as they are (no template).
    public static func prepare(
        bank: DescriptorVocabulary, embedder: any SharedSpaceEmbedder,
        cache: VocabularyCache = VocabularyCache(),
        onEvent: @Sendable (VocabularyCache.Event) -> Void = { _ in }
    ) async throws
        -> RetrievalCaptioner
    {
        let embeddings = try await cache.embeddings(for: bank, template: "{}", embedder: embedder, onEvent: onEvent)
        return RetrievalCaptioner(bank: try DescriptorScorer(vocabulary: bank, embeddings: embeddings))
    }

    public func captions(for source: URL, embedding: Embedding, count: Int) async throws -> [String] {
        try bank.top([embedding.vector], k: count, threshold: -.infinity)[0].map(\.text)
    }
}
