import Foundation
import FuseCore

/// Turns images (and audio, when the model has an audio tower in the same space) into text a text-only
/// language model can reason about, the LENS way: tags and attributes scored in the shared space, captions
/// from an optional `Captioner`, and LENS's prompt.
///
/// ```swift
/// let runtime = try FuseRuntime(modelDirectory: URL(fileURLWithPath: "models/fuse-mini"))
/// let describer = try await Describer.prepare(embedder: runtime)
/// let descriptions = try await describer.describe([URL(fileURLWithPath: "samples/images/cat.png")],
///                                                 question: "What animal is this?")
/// print(descriptions[0].prompt)
/// ```
public struct Describer: Sendable {
    /// The prompts vocabulary entries are embedded with for one input modality (`{}` is the entry).
    public struct Templates: Sendable, Hashable {
        public var tag: String
        public var attribute: String

        public init(tag: String, attribute: String) {
            self.tag = tag
            self.attribute = attribute
        }
    }

    public struct Options: Sendable {
        /// How many tags and attributes to keep at most (LENS: 5).
        public var topK = 5
        /// The lowest cosine score kept (LENS: 0.2).
        public var threshold: Float = 0.2
        /// How many captions to ask the captioner for.
        public var captionCount = 5
        /// Templates per input modality; a modality without an entry uses `{}` (the bare entry).
        public var templates: [Modality: Templates] = [
            .image: Templates(tag: "a photo of {}", attribute: "a photo of something {}"),
            .audio: Templates(tag: "the sound of {}", attribute: "a {} sound"),
        ]

        public init() {}

        public func templates(for modality: Modality) -> Templates {
            templates[modality] ?? Templates(tag: "{}", attribute: "{}")
        }
    }

    /// The two scorers used for inputs of one modality.
    public struct Scorers: Sendable {
        public let tags: DescriptorScorer
        public let attributes: DescriptorScorer
    }

    public let embedder: any SharedSpaceEmbedder
    /// Scorers per input modality the describer was prepared for.
    public let scorers: [Modality: Scorers]
    public let captioner: (any Captioner)?
    public let options: Options

    /// Loads (or builds and caches) the vocabulary embeddings for `embedder`'s model and each of `modalities`.
    /// Throws before any work when the model lacks a text tower or a tower for one of `modalities`.
    public static func prepare(
        embedder: any SharedSpaceEmbedder, tags: DescriptorVocabulary? = nil, attributes: DescriptorVocabulary? = nil,
        captioner: (any Captioner)? = nil, options: Options = Options(), modalities: [Modality] = [.image],
        cache: VocabularyCache = VocabularyCache(), onEvent: @Sendable (VocabularyCache.Event) -> Void = { _ in }
    ) async throws -> Describer {
        guard options.topK > 0 else {
            throw LENSError.invalidParameter("top-k must be at least 1, got \(options.topK)")
        }
        guard options.threshold.isFinite, abs(options.threshold) <= 1 else {
            throw LENSError.invalidParameter(
                "the threshold is a cosine and must lie in [-1, 1], got \(options.threshold)")
        }
        guard options.captionCount > 0 else {
            throw LENSError.invalidParameter("the caption count must be at least 1, got \(options.captionCount)")
        }
        guard embedder.supports(.text) else { throw LENSError.noTextTower(model: embedder.modelName) }
        for modality in modalities where !embedder.supports(modality) {
            throw missingTower(modality, model: embedder.modelName, path: nil)
        }
        let tagVocabulary = try tags ?? DescriptorVocabulary.defaultTags()
        let attributeVocabulary = try attributes ?? DescriptorVocabulary.defaultAttributes()
        var scorers: [Modality: Scorers] = [:]
        for modality in Set(modalities).sorted(by: { $0.name < $1.name }) {
            let templates = options.templates(for: modality)
            let tagEmbeddings = try await cache.embeddings(
                for: tagVocabulary, template: templates.tag,
                embedder: embedder, onEvent: onEvent)
            let attributeEmbeddings = try await cache.embeddings(
                for: attributeVocabulary, template: templates.attribute,
                embedder: embedder, onEvent: onEvent)
            scorers[modality] = Scorers(
                tags: try DescriptorScorer(vocabulary: tagVocabulary, embeddings: tagEmbeddings),
                attributes: try DescriptorScorer(vocabulary: attributeVocabulary, embeddings: attributeEmbeddings))
        }
        return Describer(embedder: embedder, scorers: scorers, captioner: captioner, options: options)
    }

    /// Describes files (images, or audio when prepared for it): all are embedded in batches, then each modality's
    /// inputs are scored in one GEMM per vocabulary. Results keep the input order; any failure fails the call.
    public func describe(_ urls: [URL], question: String = "") async throws -> [ImageDescription] {
        for url in urls {
            let modality = try embedder.modality(of: url)
            if scorers[modality] == nil {
                if !embedder.supports(modality) {
                    throw Self.missingTower(modality, model: embedder.modelName, path: url.path)
                }
                throw LENSError.invalidParameter(
                    "\(url.path): the describer was prepared for \(scorers.keys.map(\.name).sorted()), not \(modality) inputs"
                )
            }
        }
        let embeddings = try await embedder.embedFiles(urls)
        var tags = [[ScoredDescriptor]](repeating: [], count: urls.count)
        var attributes = tags
        for (modality, indices) in Dictionary(grouping: embeddings.indices, by: { embeddings[$0].modality }) {
            guard let scorer = scorers[modality] else {
                throw LENSError.invalidParameter(
                    "the embedder returned a \(modality) embedding for "
                        + "\(urls[indices[0]].path), which the describer was not prepared for")
            }
            let vectors = indices.map { embeddings[$0].vector }
            let topTags = try scorer.tags.top(vectors, k: options.topK, threshold: options.threshold)
            let topAttributes = try scorer.attributes.top(vectors, k: options.topK, threshold: options.threshold)
            for (row, index) in indices.enumerated() {
                tags[index] = topTags[row]
                attributes[index] = topAttributes[row]
            }
        }
        var descriptions: [ImageDescription] = []
        for (index, url) in urls.enumerated() {
            let captions = try await captioner?.captions(
                for: url, embedding: embeddings[index],
                count: options.captionCount)
            descriptions.append(
                Self.description(
                    source: url.relativePath, modality: embeddings[index].modality,
                    tags: tags[index], attributes: attributes[index],
                    captions: captions, question: question))
        }
        return descriptions
    }

    /// Assembles a description and its LENS prompt.
    static func description(
        source: String, modality: Modality, tags: [ScoredDescriptor],
        attributes: [ScoredDescriptor], captions: [String]?, question: String
    ) -> ImageDescription {
        let prompt = LENSPrompt.make(
            tags: tags.map(\.text), attributes: attributes.map(\.text), captions: captions,
            question: question)
        return ImageDescription(
            source: source, modality: modality.name, tags: tags, attributes: attributes,
            captions: captions, question: question, prompt: prompt)
    }

    static func missingTower(_ modality: Modality, model: String, path: String?) -> LENSError {
        switch modality {
        case .image: return .noImageTower(model: model)
        case .audio: return .noAudioTower(model: model)
        case .text: return .noTextTower(model: model)
        default: return .unsupportedModality(model: model, modality: modality.name, path: path ?? "input")
        }
    }
}
