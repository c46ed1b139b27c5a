import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Tensor {
    /// The same values backed by a temporary file mapped read-only (the file is unlinked at once, so it goes with
    /// the mapping), or nil when no temporary file can be written. Such a tensor's pages can leave resident memory
    /// (`TensorStorage.releaseResidentPages`) and are read back from the file if touched again: for fp32 weights that
    /// Fuse builds itself (a stacked query/key/value matrix) and then computes in a reduced precision, which would
    /// otherwise stay resident beside their int8 or bf16 copy.
    public func spilledToTemporaryFile() -> Tensor? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-spill-\(UUID().uuidString)")
        let written: Bool = withUnsafeBufferPointer { values in
            FileManager.default.createFile(atPath: url.path, contents: Data(buffer: values))
        }
        guard written else { return nil }
        defer { unlink(url.path) }
        guard let mapped = try? MappedFile(url: url), mapped.size == count * MemoryLayout<Float>.stride else {
            return nil
        }
        let storage = TensorStorage(
            borrowing: mapped.bytes.assumingMemoryBound(to: Float.self), capacity: count, owner: mapped)
        return try? Tensor(shape: shape, storage: storage)
    }
}
