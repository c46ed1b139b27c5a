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
        graph.zeroGradients()
        let loss = try accumulate(first: first, second: second, labels: labels, weight: 1)
        return applyAccumulated(loss: loss)
    }

    /// Gradient accumulation, as transformers' `gradient_accumulation_steps`: adds one micro-batch's gradients,
    /// scaled by `weight` (1 / the micro-batches per step, so the step sees the mean loss over all of them), to
    /// the gradient buffer without stepping, and returns its loss. Zero the gradients (`graph.zeroGradients()`)
    /// before a step's first micro-batch; `applyAccumulated` ends the step.
    public func accumulate(first: TokenBatch, second: TokenBatch, labels: [Float], weight: Float) throws -> Float {
        guard first.batch == labels.count, second.batch == labels.count else {
            throw SetFitError.invalidTrainingData(
                reason: "\(labels.count) pair labels for batches of \(first.batch) and \(second.batch) sequences")
        }
        // Both sides go through the encoder as one pass of 2B sequences (packed: neither side's padding is computed).
        let state = try graph.forward([first, second], training: true)
        let embeddings = state.embeddings
        let evaluated = CosineSimilarityLoss.evaluate(
            first: Array(embeddings[0..<first.batch]), second: Array(embeddings[first.batch...]), labels: labels)
        let scale = { (rows: [[Float]]) in weight == 1 ? rows : rows.map { $0.map { $0 * weight } } }
        graph.backward(state, embeddingGradients: scale(evaluated.dFirst) + scale(evaluated.dSecond))
        return evaluated.loss
    }

    /// Ends a step: clips the accumulated gradient's global norm and applies AdamW at the schedule's rate.
    /// `loss` is reported back (the micro-batches' mean).
    @discardableResult
    public func applyAccumulated(loss: Float) -> Report {
        let norm = graph.gradientNorm()
        let rate = schedule.rate(at: optimizer.step)
        // The update reads each gradient once, clipped on the fly, and leaves the buffer zeroed for the next step.
        optimizer.update(
            gradients: graph.gradientBuffer, learningRate: rate,
            gradientScale: AdamW.clipCoefficient(norm: norm, maxNorm: maxGradientNorm), zeroGradients: true,
            sparse: (graph.wordSlot, graph.wordRowsWithGradient))
        graph.gradientsAreZero = true
        return Report(loss: loss, learningRate: rate, gradientNorm: norm)
    }
}
