import Foundation

/// FuseLLM's training objective on one sequence, for a base model and the fused targets of ``FusionRunner``'s
/// export (FuseLLM's `DistillTrainer` with `distill_loss_type` "ce"):
///
/// - `clm`: the causal-LM loss, mean over positions `t < T-1` of −log p(ids[t+1] | ids[...t]) (transformers'
///   shifted loss);
/// - `fuse`: mean over all `T` positions of the cross-entropy −Σ_v target[t, v] · log softmax(logits[t])[v], the
///   target of position `t` being the fused next-token distribution stored as step `t` (the last position
///   included, as FuseLLM's attention mask counts it);
/// - the loss to minimise is `λ·clm + (1−λ)·fuse` (``total(lmLossWeight:)``; FuseLLM's scripts use λ = 0.9).
///
/// Fuse does not train; this evaluates the objective (e.g. on held-out data, or to check an export) exactly as a
/// trainer reading the export computes it.
public struct FusionTrainingLoss: Sendable, Equatable {
    public let clm: Double
    public let fuse: Double

    /// λ·L_CLM + (1−λ)·L_fuse.
    public func total(lmLossWeight lambda: Double) -> Double { lambda * clm + (1 - lambda) * fuse }

    /// Evaluates `model` on `ids` against `targets` (one step per id, base-vocabulary ids and probabilities).
    public static func evaluate(
        model: any CausalLanguageModel, ids: [Int32], targets: SparseSteps
    ) throws -> FusionTrainingLoss {
        guard targets.count == ids.count else {
            throw FuseError.shapeMismatch(what: "fused target steps", expected: [ids.count], actual: [targets.count])
        }
        guard ids.count >= 2 else {
            throw LLMError.invalidOption(
                name: "input ids", reason: "the loss needs at least two tokens, got \(ids.count)")
        }
        let vocab = model.config.vocabSize
        if let bad = targets.ids.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw LLMError.invalidOption(
                name: "fused targets", reason: "id \(bad) outside the base vocabulary of \(vocab)")
        }
        let logits = try model.logits(ids, cache: model.makeCache(capacity: ids.count))
        var clm = 0.0, fuse = 0.0
        logits.withUnsafeBufferPointer { all in
            for t in 0..<ids.count {
                let row = UnsafeBufferPointer(rebasing: all[(t * vocab)..<((t + 1) * vocab)])
                var maximum = -Float.infinity
                for value in row { maximum = max(maximum, value) }
                var sum = 0.0
                for value in row { sum += Double(expf(value - maximum)) }
                let logSumExp = Double(maximum) + log(sum)
                if t + 1 < ids.count { clm += logSumExp - Double(row[Int(ids[t + 1])]) }
                let target = targets.row(t)
                for (id, p) in zip(target.ids, target.values) { fuse += Double(p) * (logSumExp - Double(row[Int(id)])) }
            }
        }
        return FusionTrainingLoss(clm: clm / Double(ids.count - 1), fuse: fuse / Double(ids.count))
    }
}
