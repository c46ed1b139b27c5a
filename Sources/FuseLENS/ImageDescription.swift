/// A descriptor (tag or attribute) with its cosine score against the input.
public struct ScoredDescriptor: Sendable, Equatable, Codable {
    public let text: String
    public let score: Float

    public init(text: String, score: Float) {
        self.text = text
        self.score = score
    }
}

/// What LENS says about one input: tags and attributes scored in the shared space, captions when a captioner
/// is loaded, and the prompt for a text-only language model.
public struct ImageDescription: Sendable, Codable {
    /// The described file.
    public let source: String
    public let tags: [ScoredDescriptor]
    public let attributes: [ScoredDescriptor]
    /// Nil when no captioner is loaded.
    public let captions: [String]?
    public let question: String
    public let prompt: String
}
