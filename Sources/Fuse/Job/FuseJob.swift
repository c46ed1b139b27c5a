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
    /// The embeddings of a whole-file output, held until it is written.
    var embeddings: [Embedding] = []
}

/// The main job behind `fuse --inputs …`: reads groups (command line, manifest or a streamed list), keeps this
/// shard's, skips what a resumed output already holds, and computes each output — one per input (`none`) or one
/// per group (`early`, `late`) — in chunks of `chunkSize` units, so memory stays flat however long the list.
/// Each chunk is decoded on all cores and embedded in batches per modality.
///
/// Outputs: `.jsonl` is streamed (appended per chunk to a partial file, renamed into place at the end, resumable);
/// `.safetensors`, `.npy` and `.json` are written whole and atomically at the end, and so is the heat map. Every
/// output is locked for the whole run, and nothing is committed unless the whole run succeeds.
///
/// Chunks are cut from the list itself (done units included), and a chunk that is partly done is recomputed whole,
/// so a resumed run batches every input exactly as an uninterrupted run does and writes the same bytes.
public struct FuseJob: Sendable {
    /// The model of every modality without an override (`models.primary`).
    public var runtime: FuseRuntime { models.primary }
    /// The models, by modality.
    public let models: JobModels
    public let options: JobOptions

    /// A job whose inputs are all embedded by `runtime`.
    public init(runtime: FuseRuntime, options: JobOptions) {
        self.init(models: JobModels(primary: runtime), options: options)
    }

    /// A job whose inputs are embedded by `models` (another model for some modalities).
    public init(models: JobModels, options: JobOptions) {
        self.models = models
        self.options = options
    }

    /// Refuses, before any model is loaded, an output that exists (without `--force`), an interrupted partial
    /// file (without `--resume` or `--force`), `--resume` on a non-JSONL output, an unknown format, a heat map that
    /// is not a PNG, and an output that another run is writing.
    public static func checkOutput(_ options: JobOptions) throws {
        if let url = options.output {
            if url.pathExtension.lowercased() == "jsonl" {
                try JSONLOutput.check(url, overwrite: options.overwrite, resume: options.resume)
            } else {
                if options.resume { throw JobError.resumeNeedsJSONL(path: url.path) }
                guard EmbeddingOutput.Format(rawValue: url.pathExtension.lowercased()) != nil else {
                    throw FuseError.invalidArgument(
                        what: url.path,
                        reason: "unknown output format '.\(url.pathExtension)'; use .jsonl (streamed, "
                            + "resumable), .safetensors, .npy or .json")
                }
                try OutputFile.checkWritable(url, overwrite: options.overwrite)
            }
        } else if options.resume {
            throw JobError.resumeNeedsJSONL(path: nil)
        }
        if let plot = options.plot {
            guard plot.pathExtension.lowercased() == "png" else { throw JobError.plotFormat(path: plot.path) }
            if plot.standardizedFileURL == options.output?.standardizedFileURL {
                throw JobError.plotIsOutput(path: plot.path)
            }
            try OutputFile.checkWritable(plot, overwrite: options.overwrite)
        }
        for url in [options.output, options.plot].compactMap({ $0 }) { try OutputLock.check(output: url) }
    }

    /// Runs the job. `progress` is called after every chunk, `skipped` for every bad unit of a list run. Errors
    /// that stop the job: setup errors, and any bad input when `JobOptions.failFast`; then nothing is committed.
    public func run(
        progress: @Sendable (JobProgress) -> Void = { _ in },
        skipped: @Sendable (JobFailure) -> Void = { _ in }
    ) async throws -> JobSummary {
        try Self.checkOutput(options)
        try models.check(options)
        let locks = try [options.output, options.plot].compactMap { $0 }.map(OutputLock.init(output:))
        defer { locks.forEach { $0.release() } }
        var source = try JobUnits(options: options)
        let total = source.total.map { max(0, $0) }
        if let plot = options.plot, let total, total > options.retainLimit {
            throw JobError.plotTooLarge(path: plot.path, limit: options.retainLimit, outputs: total)
        }
        let jsonl = try options.output.flatMap { url in
            url.pathExtension.lowercased() == "jsonl"
                ? try JSONLOutput(
                    url: url, overwrite: options.overwrite, resume: options.resume,
                    settings: RunSettings(models: models, options: options)) : nil
        }
        do {
            var summary = try await compute(&source, into: jsonl, total: total, progress: progress, skipped: skipped)
            if summary.written == 0, summary.resumed == 0, !summary.failures.isEmpty {
                throw JobError.everythingSkipped(count: summary.failures.count)
            }
            try commit(&summary, jsonl: jsonl)
            return summary
        } catch {
            jsonl?.abandon()
            throw error
        }
    }

    /// Every chunk of the list: computed, checked against a resumed output's records, appended to the `.jsonl`.
    private func compute(
        _ source: inout JobUnits, into jsonl: JSONLOutput?, total: Int?,
        progress: @Sendable (JobProgress) -> Void,
        skipped: @Sendable (JobFailure) -> Void
    ) async throws -> JobSummary {
        let existing = jsonl?.existing ?? OutputRecords()
        var summary = JobSummary(output: options.output)
        let stages = JobStages(models: models, fusion: options.fusion, strategy: options.strategy)
        let concatUnguarded: Bool = {
            if options.fusion == .late, case .concat(nil) = options.strategy { return true }
            return false
        }()
        var concatSize: Int?
        var matched: Set<Int> = []
        while true {
            // The chunk's units and the list's bad lines, in list order.
            var slots: [Result<JobUnit, JobFailure>] = []
            while slots.count < options.chunkSize, let next = source.next() {
                guard case .success(let unit) = next else { slots.append(next); continue }
                if let recorded = existing.inputs(at: unit.position) {
                    guard recorded == unit.key else {
                        throw JobError.listChanged(
                            path: jsonl!.url.path, position: unit.position, recorded: recorded,
                            listed: unit.key)
                    }
                    matched.insert(unit.position)
                }
                if concatUnguarded {
                    if concatSize == nil { concatSize = unit.inputs.count }
                    if unit.inputs.count != concatSize {
                        let error = JobError.concatDimensions(groupSizes: [concatSize!, unit.inputs.count])
                        slots.append(.failure(JobFailure(unit: unit.id, input: nil, underlying: error)))
                        continue
                    }
                }
                slots.append(next)
            }
            if slots.isEmpty { break }
            let units = slots.compactMap { try? $0.get() }
            let pending = units.filter { existing.inputs(at: $0.position) == nil }
            var outcomes = (pending.isEmpty ? [] : await stages.run(units))[...]
            var records: [JobRecord] = []
            var failures: [JobFailure] = []
            for slot in slots {
                switch slot {
                case .failure(let failure): failures.append(failure)
                case .success(let unit):
                    let outcome = outcomes.popFirst()
                    if existing.inputs(at: unit.position) != nil { summary.resumed += 1; continue }
                    switch outcome! {
                    case .success(let record): records.append(record)
                    case .failure(let failure): failures.append(failure)
                    }
                }
            }
            if let first = failures.first, options.failFast { throw first }
            for failure in failures { skipped(failure) }
            summary.failures += failures
            try jsonl?.append(records)
            summary.written += records.count
            if options.output != nil, jsonl == nil { summary.embeddings += records.map(\.embedding) }
            let room = max(0, options.retainLimit - summary.records.count)
            summary.records += records.prefix(room)
            if records.count > room { summary.complete = false }
            progress(
                JobProgress(
                    done: summary.written + summary.resumed, failed: summary.failures.count,
                    total: total))
        }
        if let jsonl, matched.count < existing.count,
            let unmatched = existing.positions.filter({ !matched.contains($0) }).min()
        {
            throw JobError.listChanged(
                path: jsonl.url.path, position: unmatched,
                recorded: existing.inputs(at: unmatched) ?? "", listed: nil)
        }
        return summary
    }

    /// Writes the heat map to a temporary file, then commits the embeddings and the heat map.
    private func commit(_ summary: inout JobSummary, jsonl: JSONLOutput?) throws {
        var stagedPlot: URL?
        if let plot = options.plot {
            guard summary.complete else {
                throw JobError.plotTooLarge(path: plot.path, limit: options.retainLimit, outputs: summary.written)
            }
            stagedPlot = try JobReport.similarity(summary).writeHeatmapStaged(for: plot, overwrite: options.overwrite)
        }
        do {
            try jsonl?.finish()
            if let url = options.output, jsonl == nil {
                try EmbeddingOutput.write(summary.embeddings, to: url, overwrite: options.overwrite)
            }
            summary.embeddings = []
        } catch {
            if let stagedPlot { try? FileManager.default.removeItem(at: stagedPlot) }
            throw error
        }
        if let stagedPlot, let plot = options.plot { try OutputFile.commit(stagedPlot, to: plot) }
    }
}

/// The job's units in order: its groups (this shard's), expanded into single inputs when nothing is fused.
/// Explicit groups and manifests are checked up front; a streamed list yields a bad line as a failure in place.
/// Each unit has its position in the whole list (units of every shard counted, a bad line counting one), which is
/// the same in every run over the same list.
struct JobUnits {
    private var groups: AnyIterator<(first: Int, group: Result<InputGroup, JobFailure>)>
    private var pending: [JobUnit] = []
    private let fusion: FusionMode
    /// Units in this shard, when countable before the run (not for standard input).
    let total: Int?

    init(options: JobOptions) throws {
        fusion = options.fusion
        let shard = options.shard
        let unitsPerGroup: (InputGroup) -> Int = { [fusion = options.fusion] in fusion == .none ? $0.inputs.count : 1 }
        /// This shard's groups, each with the position of its first unit.
        func positioned<S: Sequence>(
            _ source: S, units: @escaping (S.Element) -> Int
        )
            -> AnyIterator<(first: Int, group: S.Element)>
        {
            var iterator = source.makeIterator()
            var index = -1
            var position = 0
            return AnyIterator {
                while let item = iterator.next() {
                    index += 1
                    let first = position
                    position += units(item)
                    if shard.contains(position: index) { return (first, item) }
                }
                return nil
            }
        }
        let entries: [Result<InputGroup, JobFailure>]
        switch options.source {
        case .groups(let list): entries = list.map { .success($0) }
        case .manifest(let url):
            entries = try GroupManifest.entries(url).map { entry in
                entry.mapError { JobFailure(unit: url.path, input: nil, underlying: $0) }
            }
        case .list(let path):
            func read() throws -> AnyIterator<(first: Int, group: Result<InputGroup, JobFailure>)> {
                let reader = try GroupListReader(path: path)
                let units: (Result<InputGroup, InputListError>) -> Int = { (try? $0.get()).map(unitsPerGroup) ?? 1 }
                return AnyIterator(
                    positioned(reader, units: units).lazy.map { first, result in
                        (first: first, group: result.mapError { JobFailure(unit: path, input: nil, underlying: $0) })
                    }.makeIterator())
            }
            if path == "-" {
                total = nil
            } else {
                // Counting first costs one quick read of the list and buys an ETA.
                var count = 0
                for (_, result) in try read() { count += (try? result.get()).map(unitsPerGroup) ?? 1 }
                total = count
            }
            groups = try read()
            return
        }
        let sizes = entries.compactMap { try? $0.get().inputs.count }
        if options.fusion == .late, case .concat(nil) = options.strategy, Set(sizes).count > 1 {
            throw JobError.concatDimensions(groupSizes: sizes)
        }
        let units: (Result<InputGroup, JobFailure>) -> Int = { (try? $0.get()).map(unitsPerGroup) ?? 1 }
        let mine = Array(positioned(entries, units: units))
        total = mine.reduce(0) { $0 + units($1.group) }
        groups = AnyIterator(mine.makeIterator())
    }

    mutating func next() -> Result<JobUnit, JobFailure>? {
        if !pending.isEmpty { return .success(pending.removeFirst()) }
        guard let (first, group) = groups.next() else { return nil }
        switch group {
        case .failure(let failure): return .failure(failure)
        case .success(let group):
            if fusion == .none {
                pending = group.inputs.enumerated().map { offset, input in
                    JobUnit(
                        id: input.path, label: input.lastPathComponent, inputs: [input], position: first + offset,
                        group: group.name)
                }
                return .success(pending.removeFirst())
            }
            return .success(JobUnit(id: group.name, label: group.name, inputs: group.inputs, position: first))
        }
    }
}
