/// The Moré–Thuente line search (MINPACK-2 `dcsrch` / `dcstep`), as scipy's L-BFGS-B runs it for sklearn.
///
/// It looks for a step `stp` along a descent direction that satisfies the strong Wolfe conditions
/// `f(stp) ≤ f(0) + ftol·stp·g(0)` and `|g(stp)| ≤ gtol·|g(0)|`, keeping an interval of uncertainty
/// `[stx, sty]` and choosing trial steps by safeguarded cubic and quadratic interpolation. Taking the same trial
/// steps as scipy (not just any Wolfe step) is what lets the head stop where sklearn stops.
struct MoreThuenteLineSearch {
    /// What to do after a call to `next`.
    enum Status: Equatable {
        /// Evaluate the function and directional derivative at the new `stp`, then call `next` again.
        case evaluate
        /// The step satisfies the Wolfe conditions.
        case converged
        /// The search cannot make progress (rounding, the interval collapsed, or `stp` hit a bound); the last
        /// step is the best found and is accepted, as L-BFGS-B accepts it.
        case warning
    }

    let ftol: Double, gtol: Double, xtol: Double
    let stpmin: Double, stpmax: Double

    private var bracketed = false
    private var stage = 1
    private var finit = 0.0, ginit = 0.0, gtest = 0.0
    private var width = 0.0, width1 = 0.0
    private var stx = 0.0, fx = 0.0, gx = 0.0
    private var sty = 0.0, fy = 0.0, gy = 0.0
    private var stmin = 0.0, stmax = 0.0

    /// Starts a search at `stp` from a point with value `f` and directional derivative `g` (< 0).
    init(f: Double, g: Double, stp: Double, ftol: Double, gtol: Double, xtol: Double, stpmin: Double, stpmax: Double) {
        self.ftol = ftol
        self.gtol = gtol
        self.xtol = xtol
        self.stpmin = stpmin
        self.stpmax = stpmax
        finit = f
        ginit = g
        gtest = ftol * ginit
        width = stpmax - stpmin
        width1 = width / 0.5
        stx = 0
        fx = finit
        gx = ginit
        sty = 0
        fy = finit
        gy = ginit
        stmin = 0
        stmax = stp + 4.0 * stp
    }

    /// Takes the value `f` and directional derivative `g` at the current `stp` and either accepts it or moves
    /// `stp` to the next trial step.
    mutating func next(f: Double, g: Double, stp: inout Double) -> Status {
        let ftest = finit + stp * gtest
        if stage == 1, f <= ftest, g >= 0 { stage = 2 }

        var status = Status.evaluate
        if bracketed, stp <= stmin || stp >= stmax { status = .warning }
        if bracketed, stmax - stmin <= xtol * stmax { status = .warning }
        if stp == stpmax, f <= ftest, g <= gtest { status = .warning }
        if stp == stpmin, f > ftest || g >= gtest { status = .warning }
        if f <= ftest, abs(g) <= gtol * -ginit { status = .converged }
        if status != .evaluate { return status }

        // In the first stage, a lower value that fails the sufficient-decrease test is handled with the modified
        // function ψ(stp) = f(stp) − f(0) − ftol·stp·g(0), whose minimiser the Wolfe step brackets.
        if stage == 1, f <= fx, f > ftest {
            var fxm = fx - stx * gtest, fym = fy - sty * gtest
            var gxm = gx - gtest, gym = gy - gtest
            Self.step(
                stx: &stx, fx: &fxm, dx: &gxm, sty: &sty, fy: &fym, dy: &gym,
                stp: &stp, fp: f - stp * gtest, dp: g - gtest, bracketed: &bracketed, stpmin: stmin, stpmax: stmax)
            fx = fxm + stx * gtest
            fy = fym + sty * gtest
            gx = gxm + gtest
            gy = gym + gtest
        } else {
            Self.step(
                stx: &stx, fx: &fx, dx: &gx, sty: &sty, fy: &fy, dy: &gy,
                stp: &stp, fp: f, dp: g, bracketed: &bracketed, stpmin: stmin, stpmax: stmax)
        }

        // Bisect when the interval does not shrink fast enough.
        if bracketed {
            if abs(sty - stx) >= 0.66 * width1 { stp = stx + 0.5 * (sty - stx) }
            width1 = width
            width = abs(sty - stx)
        }
        if bracketed {
            stmin = min(stx, sty)
            stmax = max(stx, sty)
        } else {
            stmin = stp + 1.1 * (stp - stx)
            stmax = stp + 4.0 * (stp - stx)
        }
        stp = min(max(stp, stpmin), stpmax)
        if bracketed, stp <= stmin || stp >= stmax || stmax - stmin <= xtol * stmax { stp = stx }
        return .evaluate
    }

    /// MINPACK-2 `dcstep`: a safeguarded step for the interval `[stx, sty]` given a trial at `stp`, and the updated
    /// interval. `stx` holds the best step so far; `fx`, `dx` (and `fy`, `dy`, `fp`, `dp`) are values and derivatives.
    private static func step(
        stx: inout Double, fx: inout Double, dx: inout Double,
        sty: inout Double, fy: inout Double, dy: inout Double,
        stp: inout Double, fp: Double, dp: Double, bracketed: inout Bool, stpmin: Double, stpmax: Double
    ) {
        let sgnd = dp * (dx / abs(dx))
        let stpf: Double
        if fp > fx {
            // A higher value: the minimum is bracketed; take the cubic step if closer to stx, else the average.
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp < stx { gamma = -gamma }
            let p = (gamma - dx) + theta
            let q = ((gamma - dx) + gamma) + dp
            let stpc = stx + (p / q) * (stp - stx)
            let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx)
            stpf = abs(stpc - stx) < abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2
            bracketed = true
        } else if sgnd < 0 {
            // A lower value, derivatives of opposite sign: bracketed; the step farther from stp.
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = ((gamma - dp) + gamma) + dx
            let stpc = stp + (p / q) * (stx - stp)
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
            bracketed = true
        } else if abs(dp) < abs(dx) {
            // A lower value, same-sign derivative that decreases in magnitude.
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * max(0, (theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta
            let q = (gamma + (dx - dp)) + gamma
            let r = p / q
            let stpc: Double
            if r < 0, gamma != 0 {
                stpc = stp + r * (stx - stp)
            } else {
                stpc = stp > stx ? stpmax : stpmin
            }
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            if bracketed {
                let closer = abs(stpc - stp) < abs(stpq - stp) ? stpc : stpq
                stpf = stp > stx ? min(stp + 0.66 * (sty - stp), closer) : max(stp + 0.66 * (sty - stp), closer)
            } else {
                let farther = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
                stpf = max(stpmin, min(stpmax, farther))
            }
        } else {
            // A lower value, same-sign derivative that does not decrease: extrapolate (or cubic within the bracket).
            if bracketed {
                let theta = 3 * (fp - fy) / (sty - stp) + dy + dp
                let s = max(abs(theta), abs(dy), abs(dp))
                var gamma = s * ((theta / s) * (theta / s) - (dy / s) * (dp / s)).squareRoot()
                if stp > sty { gamma = -gamma }
                let p = (gamma - dp) + theta
                let q = ((gamma - dp) + gamma) + dy
                stpf = stp + (p / q) * (sty - stp)
            } else {
                stpf = stp > stx ? stpmax : stpmin
            }
        }

        if fp > fx {
            sty = stp
            fy = fp
            dy = dp
        } else {
            if sgnd < 0 {
                sty = stx
                fy = fx
                dy = dx
            }
            stx = stp
            fx = fp
            dx = dp
        }
        stp = stpf
    }
}
