import Foundation
import FuseCore

/// How far a job has got: outputs written, inputs skipped as bad, and the total when it is known (file lists are
/// counted first; standard input is not).
public struct JobProgress: Sendable {
    public let done: Int
    public let failed: Int
    public let total: Int?
}

/// What a job did.
public struct JobSummary: Sendable {
    /// The first `JobOptions.retainLimit` results (all of them when `complete`).
    public internal(set) var records: [JobRecord] = []
    /// Whether `records` holds every result of this run.
    public internal(set) var complete = true
    /// Outputs computed in this run.
    public internal(set) var written = 0
    /// Units skipped because `--resume` found them in the output already.
    public internal(set) var resumed = 0
    /// Units skipped because an input was bad (list runs without `--strict`).
    public internal(set) var failures: [JobFailure] = []
    public internal(set) var output: URL?
}

/// The main job behind `fuse --inputs …`: reads groups (command line, manifest or a streamed list), keeps this
/// shard's, skips what a resumed output already holds, and computes each output — one per input (`none`) or one
/// per group (`early`, `late`) — in chunks of `chunkSize` units, so memory stays flat however long the list.
/// Each chunk is decoded on all cores and embedded in batches per modality.
///
/// Outputs: `.jsonl` is streamed (appended per chunk to a partial file, renamed into place at the end, resumable);
/// `.safetensors`, `.npy` and `.json` are written whole and atomically at the end.
public struct FuseJob: Sendable {
    public let runtime: FuseRuntime
    public let options: JobOptions

    public init(runtime: FuseRuntime, options: JobOptions) {
        self.runtime = runtime
        self.options = options
    }

    /// Refuses, before any model is loaded, an output that exists (without `--force`), an interrupted partial
    /// file (without `--resume` or `--force`), `--resume` on a non-JSONL output, and an unknown format.
    public static func checkOutput(_ options: JobOptions) throws {
        guard let url = options.output else {
            if options.resume { throw JobError.resumeNeedsJSONL(path: nil) }
            return
        }
        if url.pathExtension.lowercased() == "jsonl" {
            return try JSONLOutput.check(url, overwrite: options.overwrite, resume: options.resume)
        }
        if options.resume { throw JobError.resumeNeedsJSONL(path: url.path) }
        _ = try EmbeddingOutput.format(of: url)
        try OutputFile.checkWritable(url, overwrite: options.overwrite)
    }

    /// Runs the job. `progress` is called after every chunk, `skipped` for every bad unit of a list run. Errors
    /// that stop the job: setup errors, and any bad input when `JobOptions.failFast`.
    public func run(progress: @Sendable (JobProgress) -> Void = { _ in },
                    skipped: @Sendable (JobFailure) -> Void = { _ in }) async throws -> JobSummary {
        try Self.checkOutput(options)
        var source = try JobUnits(options: options)
        let jsonl = try options.output.flatMap { url in
            url.pathExtension.lowercased() == "jsonl"
                ? try JSONLOutput(url: url, overwrite: options.overwrite, resume: options.resume) : nil
        }
        let done = jsonl?.existingKeys ?? []
        var summary = JobSummary(output: options.output)
        var whole: [Embedding] = []
        let total = source.total.map { max(0, $0) }
        let stages = JobStages(runtime: runtime, fusion: options.fusion, strategy: options.strategy)
        let concatUnguarded: Bool = {
            if options.fusion == .late, case .concat(nil) = options.strategy { return true }
            return false
        }()
        var concatSize: Int?
        do {
            while true {
                // The chunk's units and the list's bad lines, in list order.
                var slots: [Result<JobUnit, JobFailure>] = []
                var count = 0
                while count < options.chunkSize, let next = source.next() {
                    switch next {
                    case .failure: slots.append(next)
                    case .success(let unit):
                        if done.contains(unit.key) { summary.resumed += 1; continue }
                        if concatUnguarded {
                            if concatSize == nil { concatSize = unit.inputs.count }
                            if unit.inputs.count != concatSize {
                                let error = JobError.concatDimensions(groupSizes: [concatSize!, unit.inputs.count])
                                slots.append(.failure(JobFailure(unit: unit.id, input: nil, underlying: error)))
                                continue
                            }
                        }
                        slots.append(next)
                        count += 1
                    }
                }
                if slots.isEmpty { break }
                var outcomes = await stages.run(slots.compactMap { try? $0.get() })[...]
                var records: [JobRecord] = []
                var failures: [JobFailure] = []
                for slot in slots {
                    switch slot {
                    case .failure(let failure): failures.append(failure)
                    case .success:
                        switch outcomes.popFirst()! {
                        case .success(let record): records.append(record)
                        case .failure(let failure): failures.append(failure)
                        }
                    }
                }
                if let first = failures.first, options.failFast { throw first }
                for failure in failures { skipped(failure) }
                summary.failures += failures
                try jsonl?.append(records)
                if options.output != nil, jsonl == nil { whole += records.map(\.embedding) }
                summary.written += records.count
                let room = max(0, options.retainLimit - summary.records.count)
                summary.records += records.prefix(room)
                if records.count > room { summary.complete = false }
                progress(JobProgress(done: summary.written + summary.resumed, failed: summary.failures.count,
                                     total: total))
            }
        } catch {
            jsonl?.abandon()
            throw error
        }
        try jsonl?.finish()
        if let url = options.output, jsonl == nil {
            try EmbeddingOutput.write(whole, to: url, overwrite: options.overwrite)
        }
        return summary
    }
}

/// The job's units in order: its groups (this shard's), expanded into single inputs when nothing is fused.
/// Explicit groups and manifests are checked up front; a streamed list yields a bad line as a failure in place.
struct JobUnits {
    private var groups: AnyIterator<Result<InputGroup, JobFailure>>
    private var pending: [JobUnit] = []
    private let fusion: FusionMode
    /// Units in this shard, when countable before the run (not for standard input).
    let total: Int?

    init(options: JobOptions) throws {
        fusion = options.fusion
        let shard = options.shard
        func sharded<S: Sequence>(_ source: S) -> AnyIterator<S.Element> {
            var iterator = source.makeIterator()
            var position = -1
            return AnyIterator {
                while let item = iterator.next() {
                    position += 1
                    if shard.contains(position: position) { return item }
                }
                return nil
            }
        }
        let unitsPerGroup: (InputGroup) -> Int = { [fusion = options.fusion] in fusion == .none ? $0.inputs.count : 1 }
        let all: [InputGroup]
        switch options.source {
        case .groups(let list): all = list
        case .manifest(let url): all = try GroupManifest.read(url)
        case .list(let path):
            func read() throws -> AnyIterator<Result<InputGroup, JobFailure>> {
                let reader = try GroupListReader(path: path)
                return AnyIterator(sharded(reader).lazy.map { result in
                    result.mapError { JobFailure(unit: path, input: nil, underlying: $0) }
                }.makeIterator())
            }
            if path == "-" {
                total = nil
            } else {
                // Counting first costs one quick read of the list and buys an ETA.
                var count = 0
                for result in try read() { count += (try? result.get()).map(unitsPerGroup) ?? 1 }
                total = count
            }
            groups = try read()
            return
        }
        if options.fusion == .late, case .concat(nil) = options.strategy, Set(all.map(\.inputs.count)).count > 1 {
            throw JobError.concatDimensions(groupSizes: all.map(\.inputs.count))
        }
        let mine = Array(sharded(all))
        total = mine.reduce(0) { $0 + unitsPerGroup($1) }
        groups = AnyIterator(mine.map { Result<InputGroup, JobFailure>.success($0) }.makeIterator())
    }

    mutating func next() -> Result<JobUnit, JobFailure>? {
        if !pending.isEmpty { return .success(pending.removeFirst()) }
        guard let group = groups.next() else { return nil }
        switch group {
        case .failure(let failure): return .failure(failure)
        case .success(let group):
            if fusion == .none {
                pending = group.inputs.map { JobUnit(id: $0.path, label: $0.lastPathComponent, inputs: [$0],
                                                         group: group.name) }
                return .success(pending.removeFirst())
            }
            return .success(JobUnit(id: group.name, label: group.name, inputs: group.inputs))
        }
    }
}
