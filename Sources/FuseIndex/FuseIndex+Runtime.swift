import Foundation
import Fuse

extension FuseIndex {
    /// The identity of the vectors `runtime` computes: the model's fingerprint (`ModelFingerprint`), plus the
    /// precision of its transformer blocks when that is not fp32 (int8 vectors are another model's, for an index),
    /// plus `speech:` and the Whisper model's fingerprint when sounds are embedded as their transcripts' text.
    public static func modelID(of runtime: FuseRuntime) -> String {
        var id = ModelFingerprint.id(of: runtime.model.directory)
        if runtime.model.precision != .fp32 { id += "+\(runtime.model.precision)" }
        if let speech = runtime.speech { id += "+speech:" + ModelFingerprint.id(of: speech.whisper.folder) }
        return id
    }

    /// Opens (or creates) the index at `url` for the runtime's model: its identity (`modelID(of:)`) becomes the
    /// index's model, so files embedded by another model or precision are re-embedded by the next `Indexer` run.
    public convenience init(writingTo url: URL, runtime: FuseRuntime, precision: VectorPrecision = .float32) throws {
        try self.init(
            writingTo: url, modelID: Self.modelID(of: runtime),
            modelPath: runtime.model.directory.standardizedFileURL.path,
            dimension: runtime.model.embeddingDimension, precision: precision)
    }

    /// Refuses to answer queries embedded by `runtime` unless the index holds that model's vectors.
    ///
    /// - Throws: `IndexError.modelMismatch` naming both fingerprints, `.empty` when nothing is indexed yet.
    public func requireModel(of runtime: FuseRuntime) throws {
        let requested = Self.modelID(of: runtime)
        guard requested == modelID else {
            throw IndexError.modelMismatch(path: url.path, indexed: modelID, requested: requested)
        }
        guard try counts().current > 0 else { throw IndexError.empty(path: url.path) }
    }

    /// Embeds `query` with `runtime` (after `requireModel`) and returns the `k` best entries.
    public func search(
        _ query: SearchQuery, runtime: FuseRuntime, k: Int,
        modality: Modality? = nil
    ) async throws -> [SearchHit] {
        try requireModel(of: runtime)
        return try search(vector: await query.vector(using: runtime), k: k, modality: modality)
    }
}
