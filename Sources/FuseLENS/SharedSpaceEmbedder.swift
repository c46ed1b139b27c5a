import Foundation
import FuseCore

/// What LENS needs from a model: text embeddings and embeddings of files (images, audio) in the same space.
/// `FuseRuntime` conforms; tests may use any other conforming type.
public protocol SharedSpaceEmbedder: Sendable {
    /// Identifies the model whose space the vectors live in (part of the vocabulary cache key).
    var modelID: String { get }
    /// Whether the model has a tower for `modality` that shares its text space.
    func supports(_ modality: Modality) -> Bool
    /// Unit-normalized embeddings of `texts`, one per text, in order.
    func embedTexts(_ texts: [String]) async throws -> [[Float]]
    /// The unit-normalized embedding of a file (its modality found by the plugin registry).
    func embedFile(_ url: URL) async throws -> Embedding
}
