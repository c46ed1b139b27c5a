import Foundation
import FuseCore

/// Turns images (and audio, when the model has an audio tower in the same space) into text a text-only
/// language model can reason about, the LENS way: tags and attributes scored in the shared space, captions
/// from an optional `Captioner`, and LENS's prompt.
///
/// ```swift
/// let describer = try await Describer.prepare(embedder: runtime)
/// let description = try await describer.describe(URL(fileURLWithPath: "samples/images/cat.png"),
///                                                question: "What animal is this?")
/// print(description.prompt)
/// ```
public struct Describer: Sendable {
    public struct Options: Sendable {
        /// How many tags and attributes to keep at most (LENS: 5).
        public var topK = 5
        /// The lowest cosine score kept (LENS: 0.2).
        public var threshold: Float = 0.2
        /// Prompt templates the vocabulary entries are embedded with (`{}` is the entry).
        public var tagTemplate = "a photo of {}"
        public var attributeTemplate = "a photo of something {}"

        public init() {}
    }

    public let embedder: any SharedSpaceEmbedder
    public let tags: DescriptorScorer
    public let attributes: DescriptorScorer
    public let captioner: (any Captioner)?
    public let options: Options

    /// Loads (or builds and caches) the vocabulary embeddings for `embedder`'s model.
    public static func prepare(
        embedder: any SharedSpaceEmbedder, tags: DescriptorVocabulary? = nil, attributes: DescriptorVocabulary? = nil,
        captioner: (any Captioner)? = nil, options: Options = Options(), cache: VocabularyCache = VocabularyCache(),
        onEvent: @Sendable (VocabularyCache.Event) -> Void = { _ in }
    ) async throws -> Describer {
        guard options.topK > 0 else { throw LENSError.invalidParameter("top-k must be at least 1, got \(options.topK)") }
        guard options.threshold.isFinite else { throw LENSError.invalidParameter("the threshold must be a number") }
        let tagVocabulary = try tags ?? DescriptorVocabulary.defaultTags()
        let attributeVocabulary = try attributes ?? DescriptorVocabulary.defaultAttributes()
        let tagEmbeddings = try await cache.embeddings(for: tagVocabulary, template: options.tagTemplate,
                                                       embedder: embedder, onEvent: onEvent)
        let attributeEmbeddings = try await cache.embeddings(for: attributeVocabulary,
                                                             template: options.attributeTemplate,
                                                             embedder: embedder, onEvent: onEvent)
        return Describer(embedder: embedder,
                         tags: try DescriptorScorer(vocabulary: tagVocabulary, embeddings: tagEmbeddings),
                         attributes: try DescriptorScorer(vocabulary: attributeVocabulary,
                                                          embeddings: attributeEmbeddings),
                         captioner: captioner, options: options)
    }

    /// Describes one file (an image, or audio when the model has an audio tower).
    public func describe(_ url: URL, question: String = "") async throws -> ImageDescription {
        let embedding = try await embedder.embedFile(url)
        if embedding.modality == .image, !embedder.supports(.image) {
            throw LENSError.noImageTower(model: embedder.modelID)
        }
        if embedding.modality == .audio, !embedder.supports(.audio) {
            throw LENSError.noAudioTower(model: embedder.modelID)
        }
        return try describe(embedding: embedding, source: url.path, question: question, captions: nil)
    }

    /// Describes an input whose embedding is already known (captions, when given, go into the prompt).
    public func describe(embedding: Embedding, source: String, question: String,
                         captions: [String]?) throws -> ImageDescription {
        let topTags = try tags.top([embedding.vector], k: options.topK, threshold: options.threshold)[0]
        let topAttributes = try attributes.top([embedding.vector], k: options.topK, threshold: options.threshold)[0]
        let prompt = LENSPrompt.make(tags: topTags.map(\.text), attributes: topAttributes.map(\.text),
                                     captions: captions, question: question)
        return ImageDescription(source: source, tags: topTags, attributes: topAttributes, captions: captions,
                                question: question, prompt: prompt)
    }
}
