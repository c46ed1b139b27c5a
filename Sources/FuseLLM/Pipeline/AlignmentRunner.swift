import Foundation

/// Step 2 of FuseLLM: aligns each source model's top-k shards to the base model's steps (``StepAligner``),
/// writing `aligned-<source>/aligned-00000.safetensors`, … into the distributions folder. The soft mode's
/// vocabulary mapping comes from ``VocabularyMappingCache`` (computed once per tokenizer pair).
public struct AlignmentRunner {
    public var mode: VocabularyAlignment
    public var cacheDirectory: URL

    public init(mode: VocabularyAlignment = .soft, cacheDirectory: URL = VocabularyMappingCache.defaultDirectory()) {
        self.mode = mode
        self.cacheDirectory = cacheDirectory
    }

    static func alignedFolderName(_ source: String) -> String { "aligned-" + source }

    /// Aligns `sources` to `base` in `folder`; `corpus`, when given, must be the one the folder was made from.
    public func run(
        folder: URL, base: String, sources: [String], corpus: Corpus? = nil,
        progress: (String, Int, Int) -> Void = { _, _, _ in }
    ) throws {
        let manifest = try DistributionManifest.require(folder: folder)
        if let corpus { try manifest.check(corpus: corpus) }
        guard !sources.isEmpty else {
            throw LLMError.invalidOption(name: "sources", reason: "name at least one source model")
        }
        let baseEntry = try manifest.completeModel(base, folder: folder)
        let baseVocabulary = try LLMVocabulary.load(
            tokenizerFile: URL(fileURLWithPath: baseEntry.folder).appendingPathComponent("tokenizer.json"))
        for source in sources {
            let entry = try manifest.completeModel(source, folder: folder)
            let vocabulary = try LLMVocabulary.load(
                tokenizerFile: URL(fileURLWithPath: entry.folder).appendingPathComponent("tokenizer.json"))
            var pair = try VocabularyPair(base: baseVocabulary, source: vocabulary)
            if mode == .soft {
                pair = try pair.with(
                    mapping: VocabularyMappingCache.mapping(for: pair, directory: cacheDirectory).mapping)
            }
            let aligner = try StepAligner(pair: pair, mode: mode)
            for shard in 0..<manifest.shardCount {
                let baseShard = try StepShard.read(
                    from: DistributionExtractor.shardURL(folder: folder, model: base, index: shard),
                    kind: .topk, corpusSHA256: manifest.corpusSHA256)
                let sourceShard = try StepShard.read(
                    from: DistributionExtractor.shardURL(folder: folder, model: source, index: shard),
                    kind: .topk, corpusSHA256: manifest.corpusSHA256)
                guard baseShard.sequenceCount == sourceShard.sequenceCount else {
                    throw LLMError.invalidDistributionFile(
                        file: folder.path,
                        reason: "shard \(shard) of '\(base)' and '\(source)' hold different sequence counts")
                }
                let jobs = (0..<baseShard.sequenceCount).map { s in
                    StepAligner.Job(
                        baseIDs: baseShard.inputIDs(ofSequence: s), sourceIDs: sourceShard.inputIDs(ofSequence: s),
                        sourceTopK: sourceShard.sequence(s))
                }
                var out = StepShard(kind: .aligned, corpusSHA256: manifest.corpusSHA256)
                for (s, aligned) in try aligner.align(jobs).enumerated() {
                    out.append(steps: aligned, metricCE: sourceShard.metricCE[s])
                }
                try out.write(
                    to: DistributionExtractor.shardURL(
                        folder: folder, model: Self.alignedFolderName(source),
                        index: shard, kind: "aligned"))
                progress(source, shard, manifest.shardCount)
            }
        }
    }
}
