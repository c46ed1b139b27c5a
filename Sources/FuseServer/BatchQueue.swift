import Dispatch
import Foundation
import Fuse

/// Dynamic batching for one model: requests enqueue their token sequences, and one worker thread runs one
/// forward pass at a time over whatever is waiting, up to a token and a sequence budget. While a batch runs, new
/// requests gather; the next batch takes them all (first come, first served), so concurrent single-sentence
/// clients share forward passes without any added wait.
///
/// The forward pass runs on the queue's own thread, not on Swift's cooperative pool, so request decoding and
/// tokenisation keep the pool's threads while BLAS keeps both cores busy with the batch.
final class BatchQueue: @unchecked Sendable {
    /// What a batch did, for metrics.
    struct BatchReport: Sendable {
        let sequences: Int
        let paddedTokens: Int
        let queued: Int
    }

    private struct Job {
        let id: UInt64
        let windows: [Tokens]
        let modality: Modality
        let continuation: CheckedContinuation<[[Float]], any Error>
        var longest: Int { windows.map(\.count).max() ?? 0 }
    }

    private let model: EncoderModel
    private let maxBatchTokens: Int
    private let maxBatchSequences: Int
    private let onBatch: @Sendable (BatchReport) -> Void
    private let worker: DispatchQueue
    // Guarded by `lock`.
    private let lock = NSLock()
    private var pending: [Job] = []
    private var running = false
    private var nextID: UInt64 = 0

    init(
        model: EncoderModel, name: String, maxBatchTokens: Int, maxBatchSequences: Int,
        onBatch: @escaping @Sendable (BatchReport) -> Void
    ) {
        self.model = model
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchSequences = maxBatchSequences
        self.onBatch = onBatch
        worker = DispatchQueue(label: "fuse.serve.batch.\(name)", qos: .userInitiated)
    }

    /// Sequences waiting for a forward pass.
    var queuedSequences: Int { lock.withLock { pending.reduce(0) { $0 + $1.windows.count } } }

    /// Runs `windows` (all of `modality`) through the model and returns one unnormalised row per window, in order.
    /// A long list is split into chunks of at most the sequence budget, which may land in different batches.
    func embed(_ windows: [Tokens], modality: Modality) async throws -> [[Float]] {
        guard windows.count > maxBatchSequences else { return try await submit(windows, modality: modality) }
        let chunks = stride(from: 0, to: windows.count, by: maxBatchSequences).map {
            Array(windows[$0..<min($0 + maxBatchSequences, windows.count)])
        }
        return try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (index, chunk) in chunks.enumerated() {
                group.addTask { (index, try await self.submit(chunk, modality: modality)) }
            }
            var rows = [[[Float]]](repeating: [], count: chunks.count)
            for try await (index, chunkRows) in group { rows[index] = chunkRows }
            return rows.flatMap { $0 }
        }
    }

    /// Enqueues one job; a task cancelled while its job still waits leaves the queue with `CancellationError`.
    private func submit(_ windows: [Tokens], modality: Modality) async throws -> [[Float]] {
        let id = lock.withLock { () -> UInt64 in
            nextID += 1; return nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let start = lock.withLock { () -> Bool in
                    pending.append(Job(id: id, windows: windows, modality: modality, continuation: continuation))
                    defer { running = true }
                    return !running
                }
                if start { worker.async { self.drain() } }
            }
        } onCancel: {
            let removed = lock.withLock { () -> Job? in
                guard let index = pending.firstIndex(where: { $0.id == id }) else { return nil }
                return pending.remove(at: index)
            }
            removed?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Runs batches until nothing waits (on the worker thread).
    private func drain() {
        while let (batch, queued) = takeBatch() {
            let windows = batch.flatMap(\.windows)
            var paddedTokens = 0
            do {
                var rows = [[Float]](repeating: [], count: windows.count)
                // Sorted by length and cut into groups of similar length, as `fuse embed` sorts its batches: the
                // tower pads a group to its longest sequence, so mixing a 9-token and a 40-token sentence would
                // spend most of a forward pass on padding.
                let order = windows.indices.sorted { (windows[$0].count, $0) < (windows[$1].count, $1) }
                for group in Self.lengthGroups(order.map { windows[$0].count }) {
                    let members = order[group]
                    let output = try model.run(members.map { windows[$0] }, modality: batch[0].modality).embeddings
                    paddedTokens += (members.map { windows[$0].count }.max() ?? 0) * members.count
                    let width = output.shape[1]
                    output.withUnsafeBufferPointer { scalars in
                        for (row, index) in members.enumerated() {
                            rows[index] = Array(scalars[(row * width)..<((row + 1) * width)])
                        }
                    }
                }
                var offset = 0
                for job in batch {
                    job.continuation.resume(returning: Array(rows[offset..<(offset + job.windows.count)]))
                    offset += job.windows.count
                }
            } catch {
                // A batch fails as a whole only for a model error; each job gets the error (the request's 422).
                for job in batch { job.continuation.resume(throwing: error) }
            }
            onBatch(BatchReport(sequences: windows.count, paddedTokens: paddedTokens, queued: queued))
        }
    }

    /// Cuts ascending `lengths` into consecutive groups of at most `groupLimit` sequences; a group closes early,
    /// once it holds `groupMinimum`, when the next sequence would pad the group past `paddingTolerance` of its
    /// real tokens (small groups waste the GEMMs, long padding wastes the tokens).
    static func lengthGroups(_ lengths: [Int]) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0, real = 0
        for (index, length) in lengths.enumerated() {
            let count = index - start
            let padded = length * (count + 1), total = real + length
            if count >= groupLimit || (count >= groupMinimum && Double(padded) > paddingTolerance * Double(total)) {
                groups.append(start..<index)
                start = index
                real = 0
            }
            real += length
        }
        if start < lengths.count { groups.append(start..<lengths.count) }
        return groups
    }

    static let groupLimit = 32
    static let groupMinimum = 8
    static let paddingTolerance = 1.25

    /// The next batch: jobs in arrival order of the first job's modality, while the padded token count
    /// (longest sequence × sequences) and the sequence count stay within budget. The first job always goes, so an
    /// item larger than the budget still runs (alone). Nil, and the worker stops, when nothing waits.
    private func takeBatch() -> ([Job], Int)? {
        lock.withLock {
            guard let first = pending.first else {
                running = false
                return nil
            }
            var batch = [first]
            var sequences = first.windows.count, longest = first.longest
            var taken: Set<Int> = [0]
            for index in pending.indices.dropFirst() where pending[index].modality == first.modality {
                let job = pending[index]
                let newLongest = max(longest, job.longest), newSequences = sequences + job.windows.count
                guard newSequences <= maxBatchSequences, newLongest * newSequences <= maxBatchTokens else { break }
                batch.append(job)
                taken.insert(index)
                sequences = newSequences
                longest = newLongest
            }
            pending = pending.enumerated().filter { !taken.contains($0.offset) }.map(\.element)
            return (batch, pending.count)
        }
    }
}
