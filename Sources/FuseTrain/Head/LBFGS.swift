/// Limited-memory BFGS for smooth unconstrained problems, taking the steps scipy's L-BFGS-B takes without bounds
/// (what sklearn's `LogisticRegression(solver="lbfgs")` calls): memory 10, H₀ = (sᵀy / yᵀy)·I, the first step of
/// length 1/‖g‖ along −g, the Moré–Thuente line search (ftol 1e-3, gtol 0.9, xtol 0.1), and the stopping rules
/// "largest |gradient entry| ≤ gradientTolerance" or "relative decrease ≤ valueTolerance".
///
/// Without bounds L-BFGS-B's Cauchy point and subspace minimisation reduce to the quasi-Newton step −H·g, which the
/// two-loop recursion here computes; only rounding differs.
public struct LBFGS: Sendable {
    /// How many (s, y) pairs the inverse-Hessian approximation keeps (scipy's `maxcor`).
    public var memory = 10
    /// Stop when the gradient's largest entry is at most this (scipy's `gtol`, sklearn's `tol`).
    public var gradientTolerance = 1e-4
    /// Stop when (f_old − f) ≤ valueTolerance · max(|f_old|, |f|, 1) (sklearn passes 64·ε).
    public var valueTolerance = 64 * Double.ulpOfOne
    /// Stop after this many iterations (sklearn's `max_iter`).
    public var maxIterations = 100
    /// Give up a line search after this many evaluations (sklearn passes 50).
    public var maxLineSearchEvaluations = 50

    /// Why a minimisation stopped.
    public enum Stop: Sendable, Equatable {
        case gradientTolerance, valueTolerance, maxIterations
        /// The line search found no acceptable step (the point returned is the best one found).
        case lineSearchFailed
    }

    /// The minimiser found, its value, and how the run went.
    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        public var iterations: Int
        public var stop: Stop
    }

    public init() {}

    /// Minimises `objective` from `start`. `objective(x, &gradient)` returns f(x) and writes ∇f(x) into `gradient`
    /// (which has x's length).
    public func minimize(start: [Double], objective: ([Double], inout [Double]) -> Double) -> Result {
        let n = start.count
        var x = start
        var gradient = [Double](repeating: 0, count: n)
        var value = objective(x, &gradient)
        var history: [(s: [Double], y: [Double], rho: Double)] = []
        var iterations = 0
        if Self.largestMagnitude(gradient) <= gradientTolerance {
            return Result(x: x, value: value, iterations: 0, stop: .gradientTolerance)
        }
        while true {
            let direction = Self.quasiNewtonDirection(gradient: gradient, history: history)
            let slope0 = Self.dot(gradient, direction)
            guard slope0 < 0 else { return Result(x: x, value: value, iterations: iterations, stop: .lineSearchFailed) }
            let directionNorm = Self.dot(direction, direction).squareRoot()
            let stepMax = 1e10
            var step = iterations == 0 ? min(1 / directionNorm, stepMax) : 1
            var search = MoreThuenteLineSearch(
                f: value, g: slope0, stp: step, ftol: 1e-3, gtol: 0.9, xtol: 0.1, stpmin: 0, stpmax: stepMax)
            let origin = x, originGradient = gradient, originValue = value
            var trialGradient = gradient
            var trialValue = value
            var trial = x
            var evaluations = 0
            var accepted = false
            while evaluations < maxLineSearchEvaluations {
                for i in 0..<n { trial[i] = origin[i] + step * direction[i] }
                trialValue = objective(trial, &trialGradient)
                evaluations += 1
                let slope = Self.dot(trialGradient, direction)
                if search.next(f: trialValue, g: slope, stp: &step) != .evaluate {
                    accepted = true
                    break
                }
            }
            guard accepted else {
                return Result(x: origin, value: originValue, iterations: iterations, stop: .lineSearchFailed)
            }
            // The accepted step is the one just evaluated (`step` is unchanged when the search stops).
            x = trial
            gradient = trialGradient
            value = trialValue
            iterations += 1
            if Self.largestMagnitude(gradient) <= gradientTolerance {
                return Result(x: x, value: value, iterations: iterations, stop: .gradientTolerance)
            }
            if originValue - value <= valueTolerance * max(abs(originValue), abs(value), 1) {
                return Result(x: x, value: value, iterations: iterations, stop: .valueTolerance)
            }
            if iterations >= maxIterations {
                return Result(x: x, value: value, iterations: iterations, stop: .maxIterations)
            }
            var s = [Double](repeating: 0, count: n), y = s
            for i in 0..<n {
                s[i] = x[i] - origin[i]
                y[i] = gradient[i] - originGradient[i]
            }
            let sy = Self.dot(s, y)
            // L-BFGS-B skips an update whose curvature is not safely positive.
            if sy > Double.ulpOfOne * (-slope0 * step) {
                if history.count == memory { history.removeFirst() }
                history.append((s, y, 1 / sy))
            }
        }
    }

    /// −H·g by the two-loop recursion over `history` (oldest first), with H₀ = (sᵀy / yᵀy)·I of the newest pair.
    static func quasiNewtonDirection(gradient: [Double], history: [(s: [Double], y: [Double], rho: Double)]) -> [Double]
    {
        var q = gradient
        var alphas = [Double](repeating: 0, count: history.count)
        for k in history.indices.reversed() {
            let alpha = history[k].rho * dot(history[k].s, q)
            alphas[k] = alpha
            let y = history[k].y
            for i in q.indices { q[i] -= alpha * y[i] }
        }
        if let newest = history.last {
            let gamma = 1 / (newest.rho * dot(newest.y, newest.y))
            for i in q.indices { q[i] *= gamma }
        }
        for k in history.indices {
            let beta = history[k].rho * dot(history[k].y, q)
            let s = history[k].s
            for i in q.indices { q[i] += (alphas[k] - beta) * s[i] }
        }
        for i in q.indices { q[i] = -q[i] }
        return q
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    static func largestMagnitude(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
}
