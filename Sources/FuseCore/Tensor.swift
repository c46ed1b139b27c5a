/// A dense Float32 tensor: a shape and contiguous row-major storage.
///
/// `Tensor` is a value type with copy-on-write storage. Reshaping and taking leading-axis slices are views
/// (no copy). Memory-mapped checkpoint tensors are wrapped without copying and are copied only when mutated.
///
/// ```swift
/// var x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
/// let y = try x.reshaped([3, 2])
/// x.withUnsafeMutableBufferPointer { $0[0] = 10 }   // y still sees 1
/// ```
public struct Tensor: Sendable {
    public private(set) var shape: [Int]
    public private(set) var storage: TensorStorage
    /// Index of this tensor's first element in `storage`.
    public private(set) var offset: Int

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        storage = TensorStorage(zeroedCapacity: shape.reduce(1, *))
        offset = 0
    }

    /// A tensor holding `values` in row-major order.
    public init(shape: [Int], values: [Float]) throws {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count == values.count else {
            throw FuseError.shapeMismatch(what: "tensor values", expected: shape, actual: [values.count])
        }
        self.shape = shape
        storage = TensorStorage(uninitializedCapacity: count)
        offset = 0
        values.withUnsafeBufferPointer { source in
            if count > 0 { storage.base.initialize(from: source.baseAddress!, count: count) }
        }
    }

    /// A tensor whose elements are written by `initializer` (which must write all `shape.reduce(1, *)` of them).
    public init(shape: [Int], initializer: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let count = shape.reduce(1, *)
        self.shape = shape
        storage = TensorStorage(uninitializedCapacity: count)
        offset = 0
        try initializer(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    /// A view over existing storage.
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0) throws {
        let count = shape.reduce(1, *)
        guard offset >= 0, offset + count <= storage.capacity else {
            throw FuseError.invalidArgument(
                what: "tensor view", reason: "shape \(shape) at offset \(offset) exceeds storage of \(storage.capacity)"
            )
        }
        self.shape = shape
        self.storage = storage
        self.offset = offset
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements under another shape (a view). One dimension may be -1 and is inferred.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var resolved = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        if inferred.count == 1 {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw FuseError.shapeMismatch(what: "reshape", expected: newShape, actual: shape)
            }
            resolved[inferred[0]] = count / known
        }
        guard inferred.count <= 1, resolved.allSatisfy({ $0 >= 0 }), resolved.reduce(1, *) == count else {
            throw FuseError.shapeMismatch(what: "reshape", expected: newShape, actual: shape)
        }
        var view = self
        view.shape = resolved
        return view
    }

    /// Rows `range` along the first axis (a view).
    public func rows(_ range: Range<Int>) throws -> Tensor {
        guard rank >= 1, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw FuseError.invalidArgument(
                what: "tensor rows", reason: "range \(range) outside 0..<\(shape.first ?? 0)")
        }
        let rowSize = shape.dropFirst().reduce(1, *)
        var view = self
        view.shape[0] = range.count
        view.offset = offset + range.lowerBound * rowSize
        return view
    }

    /// Reads the elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base + offset, count: count))
    }

    /// Writes the elements, copying the storage first if it is shared or read-only.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) || !storage.isWritable {
            let copy = TensorStorage(uninitializedCapacity: count)
            copy.base.initialize(from: storage.base + offset, count: count)
            storage = copy
            offset = 0
        }
        return try body(UnsafeMutableBufferPointer(start: storage.base + offset, count: count))
    }

    /// The elements as an array (a copy).
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// The element at a multi-dimensional index (for tests and small reads, not hot loops).
    public subscript(index: Int...) -> Float {
        precondition(index.count == rank, "index rank \(index.count) != tensor rank \(rank)")
        var flat = 0
        for (i, dim) in shape.enumerated() {
            precondition(index[i] >= 0 && index[i] < dim, "index \(index) out of bounds for shape \(shape)")
            flat = flat * dim + index[i]
        }
        return storage.base[offset + flat]
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = withUnsafeBufferPointer { Array($0.prefix(6)) }
        return "Tensor(shape: \(shape), first: \(head)\(count > 6 ? " …" : ""))"
    }
}
