import Dispatch
import Foundation

/// A raw pointer handed to parallel blocks that write disjoint ranges (or only read); the caller keeps the
/// memory alive for the whole parallel loop (`Kernels.parallelChunks`).
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}
