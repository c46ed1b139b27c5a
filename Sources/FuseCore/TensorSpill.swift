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
        // Written straight from the tensor's memory (no intermediate Data copy), the file readable only by us.
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        defer { unlink(url.path) }
        let written: Bool = withUnsafeBufferPointer { values in
            var remaining = UnsafeRawBufferPointer(values)
            while !remaining.isEmpty {
                let count = write(descriptor, remaining.baseAddress!, remaining.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
            }
            return true
        }
        guard close(descriptor) == 0, written else { return nil }
        guard let mapped = try? MappedFile(url: url), mapped.size == count * MemoryLayout<Float>.stride else {
            return nil
        }
        let storage = TensorStorage(
            borrowing: mapped.bytes.assumingMemoryBound(to: Float.self), capacity: count, owner: mapped)
        return try? Tensor(shape: shape, storage: storage)
    }
}
