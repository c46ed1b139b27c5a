import Fuse
import Foundation

/// LENS over a loaded Fuse model: text through the registry's text plugin and the model's text tower, files through
/// their plugins and towers, all batched by `FuseRuntime`.
extension FuseRuntime: SharedSpaceEmbedder {
    /// The model folder's name and fingerprint (see `ModelFingerprint`): reads the config and tokenizer files and
    /// samples the weights, so read it once per use, not per vector.
    public var modelID: String { ModelFingerprint.id(of: model.directory) }

    /// The model folder's name.
    public var modelName: String { model.id }

    public func supports(_ modality: Modality) -> Bool {
        model.towers[modality] != nil
    }

    public func modality(of url: URL) throws -> Modality {
        try registry.plugin(for: url).modality
    }

    public func embedTexts(_ texts: [String]) async throws -> [[Float]] {
        guard supports(.text) else { throw LENSError.noTextTower(model: model.id) }
        return try embed(samples: texts.map { .text($0) }, sources: texts).map(\.vector)
    }

    public func embedFiles(_ urls: [URL]) async throws -> [Embedding] {
        try await embed(files: urls)
    }
}
