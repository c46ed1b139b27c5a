import Foundation
import FuseCore

/// Text embeddings of a vocabulary, computed once per (model, vocabulary, prompt template) and kept on disk
/// as safetensors: tensor `embeddings` `[V, D]`, metadata `model`, `template` and `entries` (the entries
/// themselves, so a stale or colliding file is detected by comparison, not trusted by name) and `sha256`, a digest
/// of all of these and of the vectors' bytes (see `digest`), so rows swapped or edited after writing are detected.
///
/// A file that fails to load, does not match or fails its digest is rebuilt (and reported through `onEvent`),
/// never trusted.
public struct VocabularyCache: Sendable {
    /// Where cache files live: `$FUSE_CACHE_DIR/lens`, else `$XDG_CACHE_HOME/fuse/lens`, else `~/.cache/fuse/lens`.
    public let directory: URL
    /// Texts embedded per call while building.
    public var batchSize = 256

    public init(directory: URL? = nil) {
        self.directory = directory ?? Self.defaultDirectory()
    }

    /// `CacheFolder.url(for: "lens")`.
    public static func defaultDirectory() -> URL {
        CacheFolder.url(for: "lens")
    }

    /// Things worth telling a user while the cache works.
    public enum Event: Sendable {
        case building(vocabulary: String, entries: Int)
        case progress(done: Int, total: Int)
        case rebuiltCorrupt(path: String, reason: String)
    }

    /// The cache file for a vocabulary under a model and template.
    public func fileURL(for vocabulary: DescriptorVocabulary, modelID: String, template: String) -> URL {
        let safeModel = modelID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        let safeName = vocabulary.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        var key = FNV1a()
        key.add(Array(template.utf8))
        return directory.appendingPathComponent(
            "\(String(safeModel))-\(String(safeName))-\(vocabulary.digest)-\(String(key.value, radix: 16)).safetensors")
    }

    /// The vocabulary's embeddings: from the cache when a valid file exists, otherwise computed (in batches)
    /// and stored.
    public func embeddings(
        for vocabulary: DescriptorVocabulary, template: String, embedder: any SharedSpaceEmbedder,
        onEvent: @Sendable (Event) -> Void = { _ in }
    ) async throws -> Tensor {
        let modelID = embedder.modelID
        let url = fileURL(for: vocabulary, modelID: modelID, template: template)
        if FileManager.default.fileExists(atPath: url.path) {
            do {
                return try load(url, vocabulary: vocabulary, modelID: modelID, template: template)
            } catch {
                onEvent(.rebuiltCorrupt(path: url.path, reason: "\(error)"))
            }
        }
        onEvent(.building(vocabulary: vocabulary.name, entries: vocabulary.entries.count))
        var rows: [Float] = []
        var dimension = 0
        var done = 0
        for start in stride(from: 0, to: vocabulary.entries.count, by: batchSize) {
            let batch = vocabulary.entries[start..<min(start + batchSize, vocabulary.entries.count)]
            let vectors = try await embedder.embedTexts(batch.map { Self.apply(template, to: $0) })
            guard vectors.count == batch.count else {
                throw LENSError.dimensionMismatch(
                    what: "text embeddings of a batch of \(vocabulary.name)",
                    expected: batch.count, actual: vectors.count)
            }
            for vector in vectors {
                if dimension == 0 { dimension = vector.count }
                guard vector.count == dimension else {
                    throw LENSError.dimensionMismatch(what: "text embedding", expected: dimension, actual: vector.count)
                }
                rows.append(contentsOf: vector)
            }
            done += batch.count
            onEvent(.progress(done: done, total: vocabulary.entries.count))
        }
        let tensor = try Tensor(shape: [vocabulary.entries.count, dimension], values: rows)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafetensorsWriter.write(
            ["embeddings": tensor],
            metadata: [
                "model": modelID, "template": template,
                "entries": vocabulary.entries.joined(separator: "\n"),
                "sha256": Self.digest(tensor, entries: vocabulary.entries, modelID: modelID, template: template),
            ],
            to: url, overwrite: true)
        return tensor
    }

    func load(_ url: URL, vocabulary: DescriptorVocabulary, modelID: String, template: String) throws -> Tensor {
        let file = try SafetensorsFile(url: url)
        let metadata = file.metadata
        guard metadata["model"] == modelID, metadata["template"] == template,
            metadata["entries"] == vocabulary.entries.joined(separator: "\n")
        else {
            throw FuseError.invalidArgument(what: url.path, reason: "cache entries, model or template differ")
        }
        let tensor = try file.tensor("embeddings")
        guard tensor.rank == 2, tensor.shape[0] == vocabulary.entries.count else {
            throw FuseError.shapeMismatch(
                what: "\(url.path): embeddings", expected: [vocabulary.entries.count, -1],
                actual: tensor.shape)
        }
        // Copy out of the mapping (once) so a later rewrite of the file cannot change these values.
        let copy = tensor.withUnsafeBufferPointer { source in
            Tensor(
                shape: tensor.shape,
                initializer: { destination in
                    guard let to = destination.baseAddress, let from = source.baseAddress else { return }
                    to.update(from: from, count: source.count)
                })
        }
        // The names and the shape can match while the vectors were swapped, edited or written by another run:
        // only the digest of the vectors, in vocabulary order, says they are the ones this cache computed.
        guard let stored = metadata["sha256"] else {
            throw FuseError.invalidArgument(
                what: url.path,
                reason: "the cache has no sha256 digest of its vectors "
                    + "(written by an older Fuse)")
        }
        let actual = Self.digest(copy, entries: vocabulary.entries, modelID: modelID, template: template)
        guard stored == actual else {
            throw FuseError.invalidArgument(
                what: url.path,
                reason: "the SHA-256 digest of the cached vectors (\(actual.prefix(12))…) differs from "
                    + "the one written with them (\(stored.prefix(12))…): rows were changed after writing")
        }
        // A well-formed file can still hold garbage values; text embeddings are finite and non-zero.
        let finite = copy.withUnsafeBufferPointer { values in values.allSatisfy(\.isFinite) }
        guard finite else {
            throw FuseError.invalidArgument(what: url.path, reason: "cached embeddings hold NaN or infinite values")
        }
        return copy
    }

    /// SHA-256 over the model id, the template, the entries in vocabulary order (each length-prefixed), the shape
    /// and the vectors' float32 bytes, row by row: a row moved to another entry changes it.
    static func digest(_ vectors: Tensor, entries: [String], modelID: String, template: String) -> String {
        var sha = SHA256()
        func add(_ text: String) {
            sha.update(Array(String(text.utf8.count).utf8) + [0x3A])  // "<length>:" so no two lists hash alike
            sha.update(text)
        }
        add("fuse-lens-vocabulary-cache-1")
        add(modelID)
        add(template)
        add(String(entries.count))
        for entry in entries { add(entry) }
        add(vectors.shape.map(String.init).joined(separator: "x"))
        vectors.withUnsafeBufferPointer { values in sha.update(bytes: UnsafeRawBufferPointer(values)) }
        return sha.finalizeHex()
    }

    /// Fills `{}` in the template with the entry (or appends the entry when the template has no `{}`).
    static func apply(_ template: String, to entry: String) -> String {
        template.contains("{}") ? template.replacingOccurrences(of: "{}", with: entry) : template + entry
    }
}
