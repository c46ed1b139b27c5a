/// transformers' `get_linear_schedule_with_warmup`, as sentence-transformers' trainer uses it: the rate rises
/// linearly from 0 over `warmupSteps`, then falls linearly to 0 at `totalSteps`. Step k (0-based) of the optimiser
/// uses `rate(at: k)`, so the first step of a warm-up runs at rate 0, as in torch.
public struct LinearWarmupSchedule: Sendable, Equatable {
    public let peak: Float
    public let warmupSteps: Int
    public let totalSteps: Int

    /// `warmupProportion` of `totalSteps`, rounded up (transformers' `get_warmup_steps` for a fraction).
    public init(peak: Float, totalSteps: Int, warmupProportion: Double) {
        self.peak = peak
        self.totalSteps = totalSteps
        warmupSteps = Int((Double(totalSteps) * warmupProportion).rounded(.up))
    }

    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step) / Float(max(1, warmupSteps)) }
        return peak * max(0, Float(totalSteps - step) / Float(max(1, totalSteps - warmupSteps)))
    }
}
