/// One optimisation step of SetFit's stage 1 as sentence-transformers' trainer takes it: embed both sides of a
/// batch of pairs, `CosineSimilarityLoss`, backward, `clip_grad_norm_(maxGradientNorm)`, AdamW at the schedule's
/// rate for this step.
public final class ContrastiveStepper: @unchecked Sendable {
    public let graph: BERTTrainingGraph
    public let optimizer: AdamW
    public let schedule: LinearWarmupSchedule
    public let maxGradientNorm: Float

    /// What one step did.
    public struct Report: Sendable {
        public let loss: Float
        public let learningRate: Float
        /// The gradient's global norm before clipping.
        public let gradientNorm: Float
    }

    public init(
        graph: BERTTrainingGraph, schedule: LinearWarmupSchedule, weightDecay: Float = 0.01,
        maxGradientNorm: Float = 1
    ) {
        self.graph = graph
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        optimizer = AdamW(parameters: graph.parameters, weightDecay: weightDecay)
    }

    /// Trains on pairs (first[i], second[i]) with target cosines `labels`; the two batches hold the two sides,
    /// each padded to its own longest sequence. Throws what the forward pass throws for ids that do not fit.
    @discardableResult
    public func step(first: TokenBatch, second: TokenBatch, labels: [Float]) throws -> Report {
        guard first.batch == labels.count, second.batch == labels.count else {
            throw SetFitError.invalidTrainingData(
                reason: "\(labels.count) pair labels for batches of \(first.batch) and \(second.batch) sequences")
        }
        let firstState = try graph.forward(first, training: true)
        let secondState = try graph.forward(second, training: true)
        let evaluated = CosineSimilarityLoss.evaluate(
            first: firstState.embeddings, second: secondState.embeddings, labels: labels)
        graph.zeroGradients()
        graph.backward(firstState, embeddingGradients: evaluated.dFirst)
        graph.backward(secondState, embeddingGradients: evaluated.dSecond)
        let norm = AdamW.clipGradientNorm(graph.gradientBuffer, maxNorm: maxGradientNorm)
        let rate = schedule.rate(at: optimizer.step)
        optimizer.update(gradients: graph.gradientBuffer, learningRate: rate)
        return Report(loss: evaluated.loss, learningRate: rate, gradientNorm: norm)
    }
}
