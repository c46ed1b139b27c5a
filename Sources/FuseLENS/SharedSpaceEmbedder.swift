import Foundation
import FuseCore

/// What LENS needs from a model: text embeddings and embeddings of files (images, audio) in the same space.
/// `FuseRuntime` conforms (see `FuseRuntime+SharedSpaceEmbedder.swift`); tests may use any other conforming type.
public protocol SharedSpaceEmbedder: Sendable {
    /// Identifies the model whose space the vectors live in; part of the vocabulary cache key, so it must change
    /// when the model's weights or tokenizer change.
    var modelID: String { get }
    /// A short name for messages (default: `modelID`).
    var modelName: String { get }
    /// Whether the model has a tower for `modality` that shares its text space.
    func supports(_ modality: Modality) -> Bool
    /// The modality a file would be read as (without embedding it), so a missing tower is reported before work.
    func modality(of url: URL) throws -> Modality
    /// Unit-normalized embeddings of `texts`, one per text, in order.
    func embedTexts(_ texts: [String]) async throws -> [[Float]]
    /// Unit-normalized embeddings of files, one per file, in order (no partial results on error).
    func embedFiles(_ urls: [URL]) async throws -> [Embedding]
}

extension SharedSpaceEmbedder {
    public var modelName: String { modelID }
}
