/// Stage-1 and stage-2 settings, with SetFit's defaults (`setfit.TrainingArguments`).
public struct SetFitOptions: Sendable, Equatable {
    /// Passes over the pair list (SetFit's `num_epochs[0]`).
    public var epochs = 1
    /// Pairs per forward/backward pass (SetFit's `batch_size[0]`).
    public var batchSize = 16
    /// Passes whose gradients are summed (each weighted 1 / the passes in its step) before one optimisation step, as
    /// transformers' `gradient_accumulation_steps`: a step then sees `batchSize × gradientAccumulationSteps` pairs
    /// with the memory of `batchSize`. 1 (the default) steps after every batch.
    public var gradientAccumulationSteps = 1
    /// Pairs per example and kind (positive / negative); nil: SetFit's "oversampling" over all pairs.
    public var numIterations: Int? = nil
    /// AdamW's peak learning rate for the body (SetFit's `body_learning_rate[0]`).
    public var learningRate: Float = 2e-5
    /// Seeds the order in which the pairs are visited each epoch.
    public var seed: UInt64 = 42
    /// Fraction of the steps spent warming up (SetFit's `warmup_proportion`).
    public var warmupProportion = 0.1
    /// AdamW's weight decay (SetFit's `l2_weight`).
    public var weightDecay: Float = 0.01
    /// transformers' `max_grad_norm`.
    public var maxGradientNorm: Float = 1
    /// The head's inverse regularisation strength (sklearn's `C`).
    public var headC = 1.0

    public init() {}

    /// Throws `SetFitError.invalidOption` naming the first setting out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ reason: String) throws {
            if !ok { throw SetFitError.invalidOption(name: name, reason: reason) }
        }
        try check(epochs >= 1, "epochs", "must be at least 1, not \(epochs)")
        try check(batchSize >= 1, "batchSize", "must be at least 1, not \(batchSize)")
        try check(
            gradientAccumulationSteps >= 1, "gradientAccumulationSteps",
            "must be at least 1, not \(gradientAccumulationSteps)")
        try check((numIterations ?? 1) >= 1, "numIterations", "must be at least 1, not \(numIterations ?? 0)")
        try check(
            learningRate > 0 && learningRate.isFinite, "learningRate", "must be a positive number, not \(learningRate)")
        try check((0...1).contains(warmupProportion), "warmupProportion", "must be in 0…1, not \(warmupProportion)")
        try check(weightDecay >= 0, "weightDecay", "must not be negative")
        try check(headC > 0, "headC", "must be positive")
    }
}
