import Foundation

/// How the base and the aligned source distributions of one sequence become one target distribution.
public enum FusionMethod: String, Sendable, Codable, CaseIterable {
    /// MinCE: the whole sequence takes the distribution of the model with the lowest cross-entropy
    /// (FuseLLM `distill_greater_as_gt`: reward exp(-CE), argmax, the first model wins ties — the base first).
    case mince
    /// AvgCE as FuseLLM's code computes it (`distill_weighted_as_gt`): weights softmax(exp(-CE_i)).
    case avgce
    /// AvgCE as the paper words it: weights proportional to exp(-CE_i), i.e. softmax(-CE_i).
    case avgcePaper = "avgce-paper"
}

/// One sequence's fusion result.
public struct FusedSequence: Sendable {
    /// Per base step: base-vocabulary ids (ascending) and probabilities.
    public let distribution: SparseSteps
    /// The weight each model (base first, then sources in order) received; one-hot for MinCE.
    public let weights: [Double]
}

/// FuseLLM's token-level fusion. Each model's per-step target is softmax(logits / T) over its (aligned) top-k,
/// scattered onto the base vocabulary — FuseLLM's `DataCollatorForDistill`. An aligned step left empty by the
/// vocabulary alignment takes the base model's target for that step, as the collator's "bad case" does.
/// FuseLLM holds these targets in bfloat16; Fuse keeps float32.
public enum Fusion {
    /// Fuses one sequence.
    /// - Parameters:
    ///   - base: the base model's per-step top-k logits (one row per base token).
    ///   - baseCE: the base model's `metric_ce` on this sequence.
    ///   - sources: each source's aligned steps (``StepAligner`` output) and `metric_ce`.
    public static func fuse(
        base: SparseSteps, baseCE: Double, sources: [(aligned: SparseSteps, ce: Double)],
        method: FusionMethod, temperature: Double
    ) throws -> FusedSequence {
        guard temperature > 0, temperature.isFinite else {
            throw LLMError.invalidOption(name: "temperature", reason: "must be a positive number, got \(temperature)")
        }
        for (index, source) in sources.enumerated() where source.aligned.count != base.count {
            throw FuseError.shapeMismatch(
                what: "aligned steps of source \(index)", expected: [base.count],
                actual: [source.aligned.count])
        }
        let ces = [baseCE] + sources.map(\.ce)
        let weights = Self.weights(ces: ces, method: method)
        let models = [base] + sources.map(\.aligned)
        var out = SparseSteps()
        var pairs: [(id: Int32, p: Double)] = []
        var probabilities: [Double] = []
        for t in 0..<base.count {
            pairs.removeAll(keepingCapacity: true)
            for (m, steps) in models.enumerated() where weights[m] > 0 {
                let row = steps.row(t).ids.isEmpty ? base.row(t) : steps.row(t)
                softmax(row.values, temperature: temperature, into: &probabilities)
                for (id, p) in zip(row.ids, probabilities) { pairs.append((id, weights[m] * p)) }
            }
            pairs.sort { $0.id < $1.id }
            var ids: [Int32] = [], values: [Float] = []
            for pair in pairs {
                if let last = ids.last, last == pair.id {
                    values[values.count - 1] += Float(pair.p)
                } else {
                    ids.append(pair.id); values.append(Float(pair.p))
                }
            }
            out.append(ids: ids, values: values)
        }
        return FusedSequence(distribution: out, weights: weights)
    }

    /// The per-model weights for cross-entropies `ces` (base first).
    public static func weights(ces: [Double], method: FusionMethod) -> [Double] {
        switch method {
        case .mince:
            let rewards = ces.map { exp(-$0) }
            var best = 0
            for i in rewards.indices where rewards[i] > rewards[best] { best = i }
            return ces.indices.map { $0 == best ? 1 : 0 }
        case .avgce:
            return softmax(ces.map { exp(-$0) })
        case .avgcePaper:
            return softmax(ces.map { -$0 })
        }
    }

    static func softmax(_ x: [Double]) -> [Double] {
        let m = x.max() ?? 0
        let e = x.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    static func softmax(_ logits: ArraySlice<Float>, temperature: Double, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        var m = -Double.infinity
        for v in logits { m = max(m, Double(v) / temperature) }
        var s = 0.0
        for v in logits {
            let e = exp(Double(v) / temperature - m)
            out.append(e)
            s += e
        }
        for i in out.indices { out[i] /= s }
    }
}
