/// A descriptor (tag or attribute) with its cosine score against the input.
public struct ScoredDescriptor: Sendable, Equatable, Codable {
    public let text: String
    public let score: Float

    public init(text: String, score: Float) {
        self.text = text
        self.score = score
    }
}

/// What LENS says about one input (an image, or audio when the model has an audio tower): tags and attributes
/// scored in the shared space, captions when a captioner is loaded, and the prompt for a text-only language model.
public struct ImageDescription: Sendable, Codable, Equatable {
    /// The described file.
    public let source: String
    /// The input's modality name (`image`, `audio`, …).
    public let modality: String
    public let tags: [ScoredDescriptor]
    public let attributes: [ScoredDescriptor]
    /// Nil when no captioner is loaded (the prompt then has no `Captions:` section).
    public let captions: [String]?
    public let question: String
    public let prompt: String
}
