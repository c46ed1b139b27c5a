import Foundation
import FuseCore

/// Where the crash-safety tests aim their SIGKILLs, from a timed uninterrupted reference run.
///
/// Every fifth trial is killed at a seeded draw over the whole run (most such kills land while the model loads);
/// the others at a draw over the reference's writing window — from its first output to its end — counted from the
/// trial's own first output. (Drawn over the whole run, most kills landed during model loading once the work itself
/// became fast; timed from the start, a loaded machine shifted them out of the window, and the checks that some kills
/// land mid-output failed.)
public struct KillSchedule {
    /// The reference run's duration.
    public let duration: TimeInterval
    /// From the reference run's first output to its end (at least 1 ms).
    public let writingWindow: TimeInterval
    private var random: SplitMix64

    /// The schedule for a reference run timed by `FuseBinary.runWatching` (`firstBytes` nil counts as 0).
    public init(duration: TimeInterval, firstOutput: TimeInterval?, seed: UInt64) {
        self.duration = duration
        writingWindow = max(duration - (firstOutput ?? 0), 0.001)
        random = SplitMix64(seed: seed)
    }

    /// Runs trial `trial` of `fuse arguments…`, killed as the schedule says (`hasOutput` answers whether this run has
    /// written its first output yet); returns whether the kill is what ended it.
    public mutating func runKilled(trial: Int, _ arguments: [String], hasOutput: @escaping () -> Bool) throws -> Bool {
        if trial % 5 == 0 {
            return try FuseBinary.runKilled(arguments, after: random.nextUnit() * duration)
        }
        return try FuseBinary.runKilled(arguments, after: random.nextUnit() * writingWindow, countingFrom: hasOutput)
    }
}
