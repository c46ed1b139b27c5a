/// One entity found in a text.
public struct Entity: Sendable, Equatable, Codable {
    /// The entity's text: the slice of the input between `start` and `end`.
    public var text: String
    /// The label it matched (as given, after removing repeated labels).
    public var label: String
    /// sigmoid(span · label), in (0, 1).
    public var score: Float
    /// Offsets in the input counted in Unicode scalars (Python's string indices, as gliner reports them);
    /// `end` is exclusive.
    public var start: Int
    public var end: Int

    public init(text: String, label: String, score: Float, start: Int, end: Int) {
        self.text = text
        self.label = label
        self.score = score
        self.start = start
        self.end = end
    }
}

/// How entities are chosen among the scored spans (gliner's `predict_entities` arguments).
public struct ExtractionOptions: Sendable, Equatable {
    /// Spans scoring above this are candidates (gliner's default 0.5).
    public var threshold: Float
    /// Flat: chosen entities never overlap. Nested: one may lie inside another, but never overlap partially.
    public var flat: Bool
    /// The same span may carry several labels.
    public var multiLabel: Bool
    /// Words two windows of a long text share; nil: max(max_width, max_len / 8).
    public var windowOverlap: Int?
    /// Windows per backbone call.
    public var batchSize: Int

    public init(
        threshold: Float = 0.5, flat: Bool = true, multiLabel: Bool = false, windowOverlap: Int? = nil,
        batchSize: Int = 8
    ) {
        self.threshold = threshold
        self.flat = flat
        self.multiLabel = multiLabel
        self.windowOverlap = windowOverlap
        self.batchSize = batchSize
    }
}
