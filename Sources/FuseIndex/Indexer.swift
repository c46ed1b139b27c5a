import Foundation
import Fuse

/// Brings an index up to date with some folders, like rclip: files whose size and modification time match the index
/// are skipped; a file whose contents the index knows (by `ContentHash`) under a vanished path is moved, not
/// re-embedded; vanished files are removed; new and changed files, and files holding another model's vector, are
/// embedded in batches, one transaction per batch.
///
/// Killed at any point, a run leaves the last committed batch; running it again completes the index with the same
/// rows an uninterrupted run writes.
///
/// ```swift
/// let runtime = try FuseRuntime(modelDirectory: modelFolder)
/// let index = try FuseIndex(writingTo: databaseURL, runtime: runtime)
/// let report = try await Indexer(runtime: runtime, index: index).run(FolderWalk(roots: [photos]))
/// ```
public struct Indexer: Sendable {
    public let runtime: FuseRuntime
    public let index: FuseIndex
    /// Files embedded (and committed) together.
    public var batchSize: Int

    public init(runtime: FuseRuntime, index: FuseIndex, batchSize: Int = 32) {
        self.runtime = runtime
        self.index = index
        self.batchSize = max(1, batchSize)
    }

    /// A file to embed.
    struct Pending {
        let path: String
        let modality: Modality
        let file: FileFacts
        let known: Bool
    }

    /// Runs once over `walk`. `progress` gets (embedded, to embed) after each batch; `failure` hears each bad file as
    /// it is skipped.
    ///
    /// - Throws: the walk's and the index's errors (a bad file is reported, never thrown).
    public func run(
        _ walk: FolderWalk, progress: (@Sendable (Int, Int) -> Void)? = nil,
        failure: (@Sendable (IndexFailure) -> Void)? = nil
    ) async throws -> IndexReport {
        var report = IndexReport()
        var changes = IndexChanges()
        var present: Set<String> = []
        func fail(_ path: String, _ error: any Error) {
            let item = IndexFailure(path: path, reason: "\(error)")
            report.failed += 1
            report.failures.append(item)
            failure?(item)
        }
        // A changed file that cannot be read: its old vector describes other contents, so its row goes, counted as
        // failed (not removed: the file is still there).
        func failClassifying(_ path: String, _ error: any Error, known: Bool) {
            fail(path, error)
            present.insert(path)
            if known { changes.removals.append(path) }
        }
        let files = try walk.files()
        let records = Dictionary(try index.records().map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let model = index.modelID
        let registry = runtime.registry
        var pending: [Pending] = []
        for file in files {
            let record = records[file.path]
            if let record, record.modelID == model, record.file.size == file.size,
                record.file.modificationTime == file.modificationTime
            {
                report.unchanged += 1
                present.insert(file.path)
                continue
            }
            let modality: Modality
            do {
                let plugin = try registry.plugin(for: URL(fileURLWithPath: file.path))
                _ = try runtime.preprocessingContext(for: runtime.embeddedModality(of: plugin.modality))
                modality = plugin.modality
            } catch FuseError.noPluginClaims {
                report.skipped += 1
                continue
            } catch let error as ModelError where Self.isMissingTower(error) {
                report.skipped += 1
                continue
            } catch {
                failClassifying(file.path, error, known: record != nil)
                continue
            }
            let facts: FileFacts
            do {
                facts = FileFacts(
                    size: file.size, modificationTime: file.modificationTime,
                    contentHash: try ContentHash.of(path: file.path))
            } catch {
                failClassifying(file.path, error, known: record != nil)
                continue
            }
            present.insert(file.path)
            if let record, record.modelID == model, record.file.contentHash == facts.contentHash,
                record.modality == modality
            {
                changes.refreshes.append((file.path, facts))
                report.unchanged += 1
            } else {
                pending.append(Pending(path: file.path, modality: modality, file: facts, known: record != nil))
            }
        }

        // Vanished rows: moved when their contents reappear under a new path, removed otherwise.
        var vanished: [String: [IndexRecord]] = [:]
        for record in records.values.sorted(by: { $0.path < $1.path })
        where walk.covers(record.path) && !present.contains(record.path) {
            vanished[record.file.contentHash, default: []].append(record)
        }
        var toEmbed: [Pending] = []
        for item in pending {
            if !item.known, let candidates = vanished[item.file.contentHash],
                let match = candidates.firstIndex(where: { $0.modelID == model && $0.modality == item.modality })
            {
                changes.moves.append(IndexMove(from: candidates[match].path, to: item.path, file: item.file))
                vanished[item.file.contentHash]!.remove(at: match)
                report.moved += 1
            } else {
                toEmbed.append(item)
            }
        }
        let removals = vanished.values.flatMap { $0 }.map(\.path).sorted()
        changes.removals += removals
        report.removed = removals.count
        if !changes.isEmpty { try index.apply(changes) }

        // Embedding, one committed batch at a time.
        var done = 0
        progress?(0, toEmbed.count)
        for start in stride(from: 0, to: toEmbed.count, by: batchSize) {
            let batch = Array(toEmbed[start..<min(start + batchSize, toEmbed.count)])
            var batchChanges = IndexChanges()
            for (item, result) in zip(batch, await embed(batch)) {
                switch result {
                case let .success(embedding):
                    batchChanges.upserts.append(
                        IndexEntry(
                            path: item.path, modality: item.modality, file: item.file,
                            vector: embedding.vector))
                    if item.known { report.updated += 1 } else { report.added += 1 }
                case let .failure(error):
                    // Its old vector describes contents that are gone.
                    if item.known { batchChanges.removals.append(item.path) }
                    fail(item.path, error)
                }
            }
            if !batchChanges.isEmpty { try index.apply(batchChanges) }
            done += batch.count
            progress?(done, toEmbed.count)
        }
        report.total = try index.counts().current
        return report
    }

    /// Embeds a batch together; when one file fails, each alone, so only the bad ones are lost.
    private func embed(_ batch: [Pending]) async -> [Result<Embedding, any Error>] {
        let urls = batch.map { URL(fileURLWithPath: $0.path) }
        if let embeddings = try? await runtime.embed(files: urls), embeddings.count == batch.count {
            return embeddings.map { .success($0) }
        }
        var results: [Result<Embedding, any Error>] = []
        for url in urls {
            do { results.append(.success(try await runtime.embed(file: url))) } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// Whether the model simply has no tower for the plugin's modality (a file this model cannot index).
    static func isMissingTower(_ error: ModelError) -> Bool {
        if case .unsupportedModality = error { return true }
        return false
    }
}
