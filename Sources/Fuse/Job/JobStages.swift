import Foundation
import FuseCore
import FuseModels

/// One output to compute: a group (early/late fusion) or a single input (no fusion).
struct JobUnit: Sendable {
    let id: String
    let label: String
    let inputs: [URL]
    /// The unit's place in the job's whole list (see `JobUnits`).
    let position: Int
    /// The group an unfused input came from (manifest and `--inputs` groups), nil when it came from a plain list.
    var group: String? = nil

    var key: String { JobRecord.key(inputs.map(\.path)) }
}

/// A unit that could not be computed, with the file and the reason.
public struct JobFailure: Sendable, Error, CustomStringConvertible {
    /// The group's name, or the input's path.
    public let unit: String
    /// The input at fault, when one is.
    public let input: String?
    /// The error that made the unit fail (its description is `reason`).
    public let underlying: any Error

    public var reason: String { "\(underlying)" }

    public init(unit: String, input: String?, underlying: any Error) {
        self.unit = unit
        self.input = input
        self.underlying = underlying
    }

    /// The reason, prefixed with the file and the group when the reason does not already name them.
    public var description: String {
        var text = reason
        if let input, !text.contains(input) { text = "\(input): " + text }
        if unit != input, !text.contains(unit) { text = "group \(unit): " + text }
        return text
    }
}

/// The stages of one chunk of units: decode and tokenise on all cores, embed in batches per modality (or jointly
/// for early fusion), fuse. A failing input fails only its unit; the caller decides whether that is fatal.
struct JobStages: Sendable {
    let models: JobModels
    let fusion: FusionMode
    let strategy: LateFusionStrategy

    func run(_ units: [JobUnit]) async -> [Result<JobRecord, JobFailure>] {
        let prepared = await prepare(units)
        var results = [Result<JobRecord, JobFailure>?](repeating: nil, count: units.count)
        var ready: [(index: Int, inputs: [FusionInput])] = []
        for (index, outcome) in prepared.enumerated() {
            switch outcome {
            case .success(let inputs): ready.append((index, inputs))
            case .failure(let failure): results[index] = .failure(failure)
            }
        }
        switch fusion {
        case .early:
            for (position, outcome) in earlyFuse(ready.map(\.inputs), units: ready.map { units[$0.index] }).enumerated()
            {
                results[ready[position].index] = outcome
            }
        case .none, .late:
            let embeddings = embedSeparately(ready.flatMap(\.inputs))
            var offset = 0
            for (index, inputs) in ready {
                let mine = Array(embeddings[offset..<(offset + inputs.count)])
                offset += inputs.count
                results[index] = combine(units[index], inputs: inputs, embeddings: mine)
            }
        }
        return results.map { $0! }
    }

    /// Decodes and tokenises every input of every unit, two tasks per core.
    private func prepare(_ units: [JobUnit]) async -> [Result<[FusionInput], JobFailure>] {
        let files = units.enumerated().flatMap { u, unit in unit.inputs.enumerated().map { (u, $0.offset, $0.element) }
        }
        let models = self.models
        let registry = models.primary.registry
        var outcomes = [[Result<FusionInput, JobFailure>?]](repeating: [], count: units.count)
        for (u, unit) in units.enumerated() { outcomes[u] = Array(repeating: nil, count: unit.inputs.count) }
        await withTaskGroup(of: (Int, Int, Result<FusionInput, JobFailure>).self) { group in
            var next = 0
            func submit() {
                let (u, i, file) = files[next]
                let unitID = units[u].id
                next += 1
                group.addTask {
                    do {
                        let plugin = try registry.plugin(for: file)
                        // The input keeps its own modality (records, the description tally); a transcribed
                        // sound's windows are text tokens and are embedded as such.
                        let runtime = models.runtime(for: plugin.modality)
                        let (_, windows) = try runtime.tokenizeInput(plugin.decode(contentsOf: file), with: plugin)
                        return (
                            u, i,
                            .success(
                                FusionInput(
                                    source: file.path, modality: plugin.modality,
                                    pluginID: plugin.id, windows: windows))
                        )
                    } catch {
                        return (u, i, .failure(JobFailure(unit: unitID, input: file.path, underlying: error)))
                    }
                }
            }
            while next < min(files.count, 2 * max(Kernels.coreCount, 1)) { submit() }
            while let (u, i, outcome) = await group.next() {
                outcomes[u][i] = outcome
                if next < files.count { submit() }
            }
        }
        return outcomes.map { inputs in
            var ok: [FusionInput] = []
            for outcome in inputs {
                switch outcome! {
                case .success(let input): ok.append(input)
                case .failure(let failure): return .failure(failure)
                }
            }
            return .success(ok)
        }
    }

    /// Embeds inputs in batches per model and modality; if a batch fails, each of its inputs is retried alone so
    /// only the bad one fails.
    private func embedSeparately(_ inputs: [FusionInput]) -> [Result<Embedding, JobFailure>] {
        var results = [Result<Embedding, JobFailure>?](repeating: nil, count: inputs.count)
        // Inputs of an overridden modality go to its model; the rest (in list order) to the primary model.
        let byModel = Dictionary(grouping: inputs.indices) {
            models.overrides[inputs[$0].modality] != nil ? inputs[$0].modality : nil
        }
        for (key, indices) in byModel {
            let runtime = key.map { models.runtime(for: $0) } ?? models.primary
            let prepared = indices.map { index in
                let input = inputs[index]
                return PreparedInput(
                    source: input.source, modality: input.windows.first?.modality ?? input.modality,
                    windows: input.windows, label: input.modality)
            }
            if let all = try? runtime.embed(prepared: prepared, progress: nil) {
                for (index, embedding) in zip(indices, all) { results[index] = .success(embedding) }
                continue
            }
            for (index, input) in zip(indices, prepared) {
                do { results[index] = .success(try runtime.embed(prepared: [input], progress: nil)[0]) } catch {
                    results[index] = .failure(JobFailure(unit: input.source, input: input.source, underlying: error))
                }
            }
        }
        return results.map { $0! }
    }

    private func combine(
        _ unit: JobUnit, inputs: [FusionInput],
        embeddings: [Result<Embedding, JobFailure>]
    ) -> Result<JobRecord, JobFailure> {
        var vectors: [Embedding] = []
        for outcome in embeddings {
            switch outcome {
            case .success(let embedding): vectors.append(embedding)
            case .failure(let failure):
                return .failure(JobFailure(unit: unit.id, input: failure.input, underlying: failure.underlying))
            }
        }
        let described = inputs.map { JobInput(path: $0.source, modality: $0.modality, pluginID: $0.pluginID) }
        if fusion == .none {
            return .success(
                JobRecord(
                    id: unit.id, label: unit.label, inputs: described, fusion: .none, strategy: nil,
                    weights: [1], embedding: vectors[0], group: unit.group,
                    position: unit.position))
        }
        do {
            let fused = try LateFusion.fuse(vectors, strategy: strategy)
            var weights = fused.weights
            if case .max = strategy { weights = Self.maxShares(vectors, fused: fused.embedding) }
            let embedding = Embedding(
                vector: fused.embedding.vector, modality: fused.embedding.modality,
                modelID: fused.embedding.modelID, sources: unit.inputs.map(\.path))
            return .success(
                JobRecord(
                    id: unit.id, label: unit.label, inputs: described, fusion: .late,
                    strategy: fused.strategy, weights: weights, embedding: embedding,
                    position: unit.position))
        } catch {
            return .failure(JobFailure(unit: unit.id, input: nil, underlying: error))
        }
    }

    /// For `max`: the share of dimensions in which each input holds the maximum.
    static func maxShares(_ vectors: [Embedding], fused: Embedding) -> [Float] {
        guard let width = vectors.first?.dimension, width > 0 else { return [] }
        var wins = [Float](repeating: 0, count: vectors.count)
        for d in 0..<width {
            var best = 0
            for (i, vector) in vectors.enumerated() where vector.vector[d] > vectors[best].vector[d] { best = i }
            wins[best] += 1
        }
        return wins.map { $0 / Float(width) }
    }

    private func earlyFuse(_ groups: [[FusionInput]], units: [JobUnit]) -> [Result<JobRecord, JobFailure>] {
        func record(_ result: FusionResult, _ unit: JobUnit, _ inputs: [FusionInput]) -> JobRecord {
            JobRecord(
                id: unit.id, label: unit.label,
                inputs: inputs.map { JobInput(path: $0.source, modality: $0.modality, pluginID: $0.pluginID) },
                fusion: .early, strategy: result.strategy, weights: result.weights, embedding: result.embedding,
                position: unit.position)
        }
        let model = models.primary.model
        if let all = try? EarlyFusion.fuse(groups, model: model) {
            return zip(zip(all, units), groups).map { .success(record($0.0, $0.1, $1)) }
        }
        return zip(groups, units).map { inputs, unit in
            do { return .success(record(try EarlyFusion.fuse([inputs], model: model)[0], unit, inputs)) } catch {
                return .failure(JobFailure(unit: unit.id, input: nil, underlying: error))
            }
        }
    }
}
