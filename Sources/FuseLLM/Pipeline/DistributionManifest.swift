import Foundation

/// `manifest.json` of a distributions folder: what was computed, from which corpus (its SHA-256), with which
/// settings, and which shards of which models are complete — so an interrupted run resumes where it stopped and a
/// folder computed from another corpus is refused.
public struct DistributionManifest: Codable, Sendable, Equatable {
    public struct ModelEntry: Codable, Sendable, Equatable {
        public var folder: String
        public var vocabSize: Int
        public var marker: WordBoundaryMarker
        /// Indices of the shards written completely.
        public var completedShards: [Int]
    }

    public static let formatName = "fuse-llm-distributions/1"
    public static let fileName = "manifest.json"

    public var format = DistributionManifest.formatName
    public var corpusPath: String
    public var corpusSHA256: String
    public var corpusTexts: Int
    public var window: Int
    public var topK: Int
    public var shardSize: Int
    /// Number of sequences after windowing, and a SHA-256 of their texts (the windowing depends on every model's
    /// tokenizer, so adding a model later is refused unless it leaves the sequences unchanged).
    public var sequences: Int
    public var sequencesSHA256: String
    /// Corpus line of each sequence.
    public var sequenceLines: [Int]
    public var models: [String: ModelEntry]

    public var shardCount: Int { (sequences + shardSize - 1) / shardSize }

    /// Shard `index`'s sequence range.
    public func shardRange(_ index: Int) -> Range<Int> {
        (index * shardSize)..<min(sequences, (index + 1) * shardSize)
    }

    public func isComplete(_ model: String) -> Bool {
        guard let entry = models[model] else { return false }
        return Set(entry.completedShards).isSuperset(of: 0..<shardCount)
    }

    /// Reads `folder/manifest.json`, or nil if there is none.
    public static func read(folder: URL) throws -> DistributionManifest? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try FileContents.data(at: url) } catch {
            throw LLMError.invalidDistributionFile(
                file: url.path,
                reason: "unreadable manifest: \(FileErrorReason.describe(error))")
        }
        do {
            return try JSONErrorReason.decode(DistributionManifest.self, from: data)
        } catch {
            throw LLMError.invalidDistributionFile(
                file: url.path, reason: "unreadable manifest: \(JSONErrorReason.describe(error, in: data))")
        }
    }

    /// Reads the manifest of a folder that must have one.
    public static func require(folder: URL) throws -> DistributionManifest {
        try FuseError.requireDirectory(folder)
        guard let manifest = try read(folder: folder) else {
            throw LLMError.missingManifest(file: folder.appendingPathComponent(fileName).path)
        }
        return manifest
    }

    /// Writes atomically (a reader never sees half a manifest).
    public func write(folder: URL) throws {
        let url = folder.appendingPathComponent(Self.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw FuseError.writeFailed(path: url.path, reason: FileErrorReason.describe(error))
        }
    }

    /// Refuses a folder made from another corpus (when `corpusSHA256` is known).
    public func check(corpus: Corpus) throws {
        guard corpus.hash == corpusSHA256 else {
            throw LLMError.corpusMismatch(file: corpusPath, expectedHash: corpus.hash, actualHash: corpusSHA256)
        }
    }

    /// The entry of `model`, which must be present and complete.
    public func completeModel(_ model: String, folder: URL) throws -> ModelEntry {
        guard let entry = models[model] else {
            throw LLMError.missingModel(name: model, folder: folder.path, available: models.keys.sorted())
        }
        guard isComplete(model) else {
            throw LLMError.incompleteModel(
                file: folder.appendingPathComponent(Self.fileName).path, model: model,
                completed: entry.completedShards.count, total: shardCount)
        }
        return entry
    }
}
