import Foundation

/// One shard of per-step sparse rows for consecutive sequences, stored as safetensors:
///
/// | tensor | dtype, shape | holds |
/// |---|---|---|
/// | `input_ids` | I32 `[N]` | the sequences' token ids, concatenated (top-k and fused shards) |
/// | `sequence_offsets` | I64 `[S+1]` | sequence `i` owns steps `sequence_offsets[i]..<sequence_offsets[i+1]` |
/// | `step_offsets` | I64 `[N+1]` | step `t` owns entries `step_offsets[t]..<step_offsets[t+1]` |
/// | `ids` | I32 `[E]` | vocabulary ids (the base model's for aligned and fused shards) |
/// | `logits` or `probs` | F32 `[E]` | top-k / aligned logits, or fused probabilities |
/// | `metric_ce` | F32 `[S]` | each sequence's cross-entropy (top-k and aligned shards) |
/// | `weights` | F32 `[S, M]` | each sequence's model weights (fused shards; base first) |
///
/// `__metadata__` records `kind` (`topk`, `aligned`, `fused`) and the corpus SHA-256.
public struct StepShard: Sendable {
    public enum Kind: String, Sendable { case topk, aligned, fused }

    public var kind: Kind
    public var corpusSHA256: String
    public var sequenceOffsets: [Int] = [0]
    public var inputIDs: [Int32] = []
    public var steps = SparseSteps()
    public var metricCE: [Double] = []
    public var weights: [Float] = []
    public var modelCount = 0

    public init(kind: Kind, corpusSHA256: String) {
        self.kind = kind
        self.corpusSHA256 = corpusSHA256
    }

    public var sequenceCount: Int { sequenceOffsets.count - 1 }

    /// Appends one sequence's steps (and its ids, CE or weights as the kind needs).
    public mutating func append(
        steps sequenceSteps: SparseSteps, inputIDs ids: [Int32] = [], metricCE ce: Double? = nil,
        weights w: [Double] = []
    ) {
        for t in 0..<sequenceSteps.count {
            let row = sequenceSteps.row(t)
            steps.append(ids: row.ids, values: row.values)
        }
        sequenceOffsets.append(steps.count)
        inputIDs += ids
        if let ce { metricCE.append(ce) }
        if !w.isEmpty { weights += w.map(Float.init); modelCount = w.count }
    }

    /// Sequence `i`'s steps.
    public func sequence(_ i: Int) -> SparseSteps {
        let first = sequenceOffsets[i], last = sequenceOffsets[i + 1]
        let base = steps.offsets[first]
        return SparseSteps(
            offsets: steps.offsets[first...last].map { $0 - base },
            ids: Array(steps.ids[base..<steps.offsets[last]]),
            values: Array(steps.values[base..<steps.offsets[last]]))
    }

    /// Sequence `i`'s input ids.
    public func inputIDs(ofSequence i: Int) -> [Int32] { Array(inputIDs[sequenceOffsets[i]..<sequenceOffsets[i + 1]]) }

    var valuesName: String { kind == .fused ? "probs" : "logits" }

    public func write(to url: URL) throws {
        var tensors: [(name: String, payload: SafetensorsWriter.Payload)] = [
            ("sequence_offsets", .int64(sequenceOffsets.map(Int64.init), shape: [sequenceOffsets.count])),
            ("step_offsets", .int64(steps.offsets.map(Int64.init), shape: [steps.offsets.count])),
            ("ids", .int32(steps.ids, shape: [steps.ids.count])),
            (valuesName, .float32(try Tensor(shape: [steps.values.count], values: steps.values))),
        ]
        if kind != .aligned { tensors.append(("input_ids", .int32(inputIDs, shape: [inputIDs.count]))) }
        if kind != .fused {
            tensors.append(
                ("metric_ce", .float32(try Tensor(shape: [metricCE.count], values: metricCE.map(Float.init)))))
        } else {
            tensors.append(("weights", .float32(try Tensor(shape: [sequenceCount, modelCount], values: weights))))
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafetensorsWriter.write(
            tensors, metadata: ["kind": kind.rawValue, "corpus_sha256": corpusSHA256],
            to: url, overwrite: true)
    }

    public static func read(from url: URL, kind: Kind, corpusSHA256: String) throws -> StepShard {
        try FuseError.requireFile(url)
        let file = try SafetensorsFile(url: url)
        guard file.metadata["kind"] == kind.rawValue else {
            throw LLMError.invalidDistributionFile(
                file: url.path, reason: "holds '\(file.metadata["kind"] ?? "?")' data, expected '\(kind.rawValue)'")
        }
        guard file.metadata["corpus_sha256"] == corpusSHA256 else {
            throw LLMError.corpusMismatch(
                file: url.path, expectedHash: corpusSHA256,
                actualHash: file.metadata["corpus_sha256"] ?? "none")
        }
        var shard = StepShard(kind: kind, corpusSHA256: corpusSHA256)
        shard.sequenceOffsets = try file.integers("sequence_offsets").map(Int.init)
        let stepOffsets = try file.integers("step_offsets").map(Int.init)
        let ids = try file.integers("ids").map(Int32.init)
        let values = try file.tensor(shard.valuesName).scalars
        guard let lastStep = shard.sequenceOffsets.last, lastStep == stepOffsets.count - 1,
            stepOffsets.last == ids.count, ids.count == values.count
        else {
            throw LLMError.invalidDistributionFile(file: url.path, reason: "offsets, ids and values disagree in length")
        }
        shard.steps = SparseSteps(offsets: stepOffsets, ids: ids, values: values)
        if kind != .aligned { shard.inputIDs = try file.integers("input_ids").map(Int32.init) }
        if kind != .fused {
            shard.metricCE = try file.tensor("metric_ce").scalars.map(Double.init)
        } else {
            let w = try file.tensor("weights")
            shard.weights = w.scalars
            shard.modelCount = w.shape.last ?? 0
        }
        return shard
    }
}
