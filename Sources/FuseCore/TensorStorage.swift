import Foundation

/// The memory behind one or more `Tensor`s: either an allocation Fuse owns, or a read-only region owned by
/// someone else (a memory-mapped checkpoint), kept alive by `owner`.
///
/// Storage is never mutated while shared: `Tensor`'s mutating accessors copy first unless the storage is
/// uniquely referenced and writable, so values stay `Sendable`.
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let capacity: Int
    /// False for memory Fuse must not write to (e.g. a read-only mapping).
    public let isWritable: Bool
    private let owner: AnyObject?

    /// Allocates `capacity` floats, zero-filled.
    public init(zeroedCapacity capacity: Int) {
        base = .allocate(capacity: max(capacity, 1))
        base.initialize(repeating: 0, count: max(capacity, 1))
        self.capacity = capacity
        isWritable = true
        owner = nil
    }

    /// Allocates `capacity` floats without initializing them; the caller must write every element.
    public init(uninitializedCapacity capacity: Int) {
        base = .allocate(capacity: max(capacity, 1))
        self.capacity = capacity
        isWritable = true
        owner = nil
    }

    /// Wraps memory that `owner` keeps alive (zero copy). Fuse treats it as read-only.
    public init(borrowing pointer: UnsafePointer<Float>, capacity: Int, owner: AnyObject) {
        base = UnsafeMutablePointer(mutating: pointer)
        self.capacity = capacity
        isWritable = false
        self.owner = owner
    }

    deinit {
        if owner == nil { base.deallocate() }
    }

    /// Tells the kernel that `count` floats from `offset` will not be read for a while, when they are part of a
    /// read-only file mapping: their pages leave resident memory and are read from the file again if touched (a
    /// checkpoint's fp32 weights once a reduced-precision copy computes in their place). Owned memory is left alone.
    public func releaseResidentPages(offset: Int, count: Int) {
        guard owner is MappedFile, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: base + offset), end = Int(bitPattern: base + offset + count)
        let first = (start + page - 1) / page * page, last = end / page * page
        guard last > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, last - first, Int32(MADV_DONTNEED))
    }
}
