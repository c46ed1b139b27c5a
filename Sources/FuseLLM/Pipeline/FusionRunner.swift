import Foundation

/// Step 3 of FuseLLM: fuses the base model's and the aligned sources' distributions of every sequence into one
/// target distribution per base step (``Fusion``), exported for a trainer as `fused-00000.safetensors`, … (see
/// ``StepShard``) and `fused.json` (corpus hash, models, method, temperature).
public struct FusionRunner {
    public var method: FusionMethod
    public var temperature: Double

    public init(method: FusionMethod = .mince, temperature: Double = 1) {
        self.method = method
        self.temperature = temperature
    }

    /// The export's manifest.
    public struct Export: Codable, Sendable, Equatable {
        public var format = "fuse-llm-fused/1"
        public var corpusSHA256: String
        public var base: String
        public var sources: [String]
        public var method: String
        public var temperature: Double
        public var sequences: Int
        public var shards: [String]
    }

    /// Fuses `sources` into `base` from the distributions `folder` into `output`.
    @discardableResult
    public func run(folder: URL, base: String, sources: [String], output: URL, corpus: Corpus? = nil) throws -> Export {
        let manifest = try DistributionManifest.require(folder: folder)
        if let corpus { try manifest.check(corpus: corpus) }
        _ = try manifest.completeModel(base, folder: folder)
        for source in sources { _ = try manifest.completeModel(source, folder: folder) }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var shardNames: [String] = []
        for shard in 0..<manifest.shardCount {
            let baseShard = try StepShard.read(
                from: DistributionExtractor.shardURL(folder: folder, model: base, index: shard),
                kind: .topk, corpusSHA256: manifest.corpusSHA256)
            let aligned = try sources.map { source -> StepShard in
                let url = DistributionExtractor.shardURL(
                    folder: folder, model: AlignmentRunner.alignedFolderName(source),
                    index: shard, kind: "aligned")
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw LLMError.missingAlignment(file: url.path, source: source)
                }
                return try StepShard.read(from: url, kind: .aligned, corpusSHA256: manifest.corpusSHA256)
            }
            var out = StepShard(kind: .fused, corpusSHA256: manifest.corpusSHA256)
            for s in 0..<baseShard.sequenceCount {
                let inputs = try aligned.map { shard -> (aligned: SparseSteps, ce: Double) in
                    guard shard.sequenceCount == baseShard.sequenceCount else {
                        throw LLMError.invalidDistributionFile(
                            file: folder.path,
                            reason: "aligned shard \(shard) disagrees with the base in sequence count")
                    }
                    return (shard.sequence(s), shard.metricCE[s])
                }
                let fused = try Fusion.fuse(
                    base: baseShard.sequence(s), baseCE: baseShard.metricCE[s], sources: inputs,
                    method: method, temperature: temperature)
                out.append(
                    steps: fused.distribution, inputIDs: baseShard.inputIDs(ofSequence: s), weights: fused.weights)
            }
            let name = String(format: "fused-%05d.safetensors", shard)
            try out.write(to: output.appendingPathComponent(name))
            shardNames.append(name)
        }
        let export = Export(
            corpusSHA256: manifest.corpusSHA256, base: base, sources: sources, method: method.rawValue,
            temperature: temperature, sequences: manifest.sequences, shards: shardNames)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = output.appendingPathComponent("fused.json")
        do { try encoder.encode(export).write(to: url, options: .atomic) } catch {
            throw FuseError.writeFailed(path: url.path, reason: FileErrorReason.describe(error))
        }
        return export
    }
}
