import Dispatch
import Foundation

/// A raw pointer handed to parallel blocks that write disjoint ranges (or only read); the caller keeps the
/// memory alive for the whole `concurrentPerform`.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}

/// Splits `0..<count` into contiguous blocks and runs them on all cores (one block when `count` is small).
func forEachBlock(count: Int, minimumBlock: Int, _ body: @Sendable (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let blocks = max(1, min(count / max(1, minimumBlock), 4 * cores))
    if blocks == 1 { body(0..<count); return }
    let per = (count + blocks - 1) / blocks
    DispatchQueue.concurrentPerform(iterations: blocks) { b in
        let lo = b * per, hi = min(count, lo + per)
        if lo < hi { body(lo..<hi) }
    }
}
