import Dispatch
import Foundation

extension Kernels {
    /// The number of cores the kernels spread work over.
    public static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body` over `0..<count` split into contiguous chunks, one per core, when each chunk gets at least
    /// `grain` items; otherwise runs it once on the calling thread (spawning work costs more than tiny loops).
    public static func parallelChunks(count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let workers = min(coreCount, count / max(grain, 1))
        guard workers > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        // `concurrentPerform` returns only after every chunk is done, and chunks are disjoint, so handing the
        // non-Sendable body (which captures raw buffers) to the workers is safe.
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = count * worker / workers
                let end = count * (worker + 1) / workers
                work.value(start..<end)
            }
        }
    }
}

extension Kernels {
    /// `parallelChunks(count:grain:)` for loops whose `count` items cost `work` units in all (e.g. bytes × taps):
    /// each chunk gets at least `minimumWork` units, so small images or short rows stay on the calling thread.
    public static func parallelChunks(count: Int, work: Int, minimumWork: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        // Items per chunk so that a chunk's share of `work` reaches `minimumWork` (all items when work is tiny).
        let grain = work > 0 ? Int((Double(minimumWork) * Double(count) / Double(work)).rounded(.up)) : count + 1
        parallelChunks(count: count, grain: max(1, grain), body)
    }
}

/// Carries a value into a synchronous parallel loop whose iterations touch disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
