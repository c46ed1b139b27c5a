import Foundation

/// Step 1 of FuseLLM: every model's per-step top-k logits and `metric_ce` over a corpus, written shard by shard
/// into a folder (`<model>/topk-00000.safetensors`, …, plus `manifest.json`).
///
/// Texts are first split so each sequence fits the window under every model's tokenizer (``Windowing``), so all
/// models see the same sequences. Shards are written whole and recorded in the manifest as they finish; a rerun
/// skips completed shards (resume after an interruption) after checking that the corpus hash and the settings
/// match.
public struct DistributionExtractor {
    public var window: Int
    public var topK: Int
    public var shardSize: Int

    public init(window: Int, topK: Int = 10, shardSize: Int = 256) throws {
        guard topK >= 1 else { throw LLMError.invalidOption(name: "topK", reason: "must be at least 1") }
        guard shardSize >= 1 else { throw LLMError.invalidOption(name: "shardSize", reason: "must be at least 1") }
        self.window = window
        self.topK = topK
        self.shardSize = shardSize
    }

    /// The windowed sequences of `corpus` (text and corpus line) for these models.
    public func sequences(corpus: Corpus, models: [LanguageModelBundle]) throws -> [(text: String, line: Int)] {
        for bundle in models where window > bundle.model.config.maxPositions {
            throw LLMError.windowTooLarge(
                model: bundle.name, window: window, maxPositions: bundle.model.config.maxPositions)
        }
        let counters = models.map { bundle in
            (name: bundle.name, count: { (text: String) in try bundle.encode(text).count })
        }
        var out: [(String, Int)] = []
        for (text, line) in zip(corpus.texts, corpus.lines) {
            for chunk in try Windowing.split(text, line: line, window: window, counters: counters) {
                out.append((chunk, line))
            }
        }
        return out
    }

    static func shardURL(folder: URL, model: String, index: Int, kind: String = "topk") -> URL {
        folder.appendingPathComponent(model).appendingPathComponent(String(format: "%@-%05d.safetensors", kind, index))
    }

    /// Computes (or resumes) the distributions of `models` over `corpus` into `folder`.
    /// - Parameter progress: called after each shard with (model, shard index, shard count).
    @discardableResult
    public func run(
        corpus: Corpus, models: [LanguageModelBundle], folder: URL,
        progress: (String, Int, Int) -> Void = { _, _, _ in }
    ) throws -> DistributionManifest {
        let names = models.map(\.name)
        guard Set(names).count == names.count else {
            throw LLMError.invalidOption(name: "models", reason: "two models share the name \(names)")
        }
        let sequences = try self.sequences(corpus: corpus, models: models)
        var digest = SHA256()
        for s in sequences { digest.update(s.text); digest.update([0]) }
        let sequencesHash = digest.finalizeHex()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var manifest =
            try DistributionManifest.read(folder: folder)
            ?? DistributionManifest(
                corpusPath: corpus.url.path, corpusSHA256: corpus.hash, corpusTexts: corpus.texts.count, window: window,
                topK: topK, shardSize: shardSize, sequences: sequences.count, sequencesSHA256: sequencesHash,
                sequenceLines: sequences.map(\.line), models: [:])
        try manifest.check(corpus: corpus)
        let manifestFile = folder.appendingPathComponent(DistributionManifest.fileName).path
        guard manifest.window == window, manifest.topK == topK, manifest.shardSize == shardSize else {
            throw LLMError.invalidDistributionFile(
                file: manifestFile,
                reason: "made with window \(manifest.window), top-k \(manifest.topK), shard size "
                    + "\(manifest.shardSize); rerun with those or use another folder")
        }
        guard manifest.sequencesSHA256 == sequencesHash else {
            throw LLMError.invalidDistributionFile(
                file: manifestFile, reason: "these models split the corpus into other sequences than the folder's")
        }
        for bundle in models {
            if let entry = manifest.models[bundle.name], entry.vocabSize != bundle.vocabulary.count {
                throw LLMError.invalidDistributionFile(
                    file: manifestFile,
                    reason:
                        "model '\(bundle.name)' was recorded with vocabulary \(entry.vocabSize), now \(bundle.vocabulary.count)"
                )
            }
            var entry =
                manifest.models[bundle.name]
                ?? DistributionManifest.ModelEntry(
                    folder: bundle.model.folder.path, vocabSize: bundle.vocabulary.count,
                    marker: bundle.vocabulary.marker,
                    completedShards: [])
            for shard in 0..<manifest.shardCount where !entry.completedShards.contains(shard) {
                var out = StepShard(kind: .topk, corpusSHA256: corpus.hash)
                for s in manifest.shardRange(shard) {
                    let ids = try bundle.encode(sequences[s].text)
                    let result = try TopKReducer.distributions(model: bundle.model, ids: ids, k: topK)
                    out.append(steps: result.topK, inputIDs: ids, metricCE: result.metricCE)
                }
                try out.write(to: Self.shardURL(folder: folder, model: bundle.name, index: shard))
                entry.completedShards.append(shard)
                manifest.models[bundle.name] = entry
                try manifest.write(folder: folder)
                progress(bundle.name, shard, manifest.shardCount)
            }
            manifest.models[bundle.name] = entry
            try manifest.write(folder: folder)
        }
        return manifest
    }
}
