/// A vector in a model's shared embedding space.
public struct Embedding: Sendable, Equatable {
    /// The components; unit length when produced by a model's embedding path.
    public var vector: [Float]
    /// The modality of the input, or `"fused"` for a fusion of several inputs.
    public var modality: Modality
    /// Identifies the model (its folder name or hub id) whose space the vector lives in.
    public var modelID: String
    /// The inputs the vector was computed from (file paths or descriptions).
    public var sources: [String]

    public init(vector: [Float], modality: Modality, modelID: String, sources: [String] = []) {
        self.vector = vector
        self.modality = modality
        self.modelID = modelID
        self.sources = sources
    }

    public var dimension: Int { vector.count }

    /// Cosine similarity with another embedding of the same dimension.
    public func cosineSimilarity(to other: Embedding) throws -> Float {
        guard other.dimension == dimension else {
            throw FuseError.shapeMismatch(what: "embedding", expected: [dimension], actual: [other.dimension])
        }
        var dot: Float = 0, a: Float = 0, b: Float = 0
        for i in 0..<dimension {
            dot += vector[i] * other.vector[i]
            a += vector[i] * vector[i]
            b += other.vector[i] * other.vector[i]
        }
        let denominator = (a * b).squareRoot()
        return denominator > 0 ? dot / denominator : 0
    }
}
