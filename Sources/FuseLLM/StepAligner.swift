import Dispatch

/// How a source step's top-k entries are carried into the base vocabulary.
///
/// - `hard`: FuseLLM's exact match (EM). The source step is used only when its token equals the base token
///   (after swapping markers), and only top-k tokens that exist verbatim in the base vocabulary are kept.
/// - `soft`: FuseLLM's minimum edit distance (MinED). Tokens go through the vocabulary mapping (exact, else the
///   closest base token), and the step is used when the mapped token equals the base token.
public enum VocabularyAlignment: String, Sendable, Codable, CaseIterable {
    case hard
    case soft
}

/// Aligns one source ("blending") model's per-step top-k to a base model's steps — FuseLLM's
/// `transform_step_logits`.
///
/// For each base token, DTW (``DynamicTimeWarping``) yields the source tokens paired with it:
/// - exactly one (one-to-one, or one-to-many: one source token spread over several base tokens) → the source
///   step's top-k, mapped into the base vocabulary, if the tokens match under the chosen ``VocabularyAlignment``;
///   otherwise a one-hot on the base token (logit 1.0);
/// - several (many-to-one: several source tokens make one base token) → a one-hot on the base token.
/// Duplicated base ids within a step keep their first (highest-logit) entry. A step can end up empty (no top-k
/// token maps); fusion then falls back to the base distribution for it, as FuseLLM's collator does.
public struct StepAligner: Sendable {
    public let pair: VocabularyPair
    public let mode: VocabularyAlignment

    public init(pair: VocabularyPair, mode: VocabularyAlignment) throws {
        if mode == .soft && pair.mapping == nil {
            throw LLMError.invalidOption(name: "mode", reason: "soft alignment needs the vocabulary mapping")
        }
        self.pair = pair
        self.mode = mode
    }

    /// Aligns a source sequence (`sourceIDs`, its per-step top-k `sourceTopK`) to the base sequence `baseIDs`.
    /// - Returns: one row per base step: base-vocabulary ids and the source logits carried over.
    public func align(baseIDs: [Int32], sourceIDs: [Int32], sourceTopK: SparseSteps) throws -> SparseSteps {
        guard sourceTopK.count == sourceIDs.count else {
            throw FuseError.shapeMismatch(
                what: "source top-k steps", expected: [sourceIDs.count], actual: [sourceTopK.count])
        }
        let base = pair.base, source = pair.source
        for id in baseIDs where id < 0 || Int(id) >= base.count {
            throw LLMError.invalidOption(
                name: "base ids", reason: "id \(id) outside the base vocabulary of \(base.count)")
        }
        for id in sourceIDs where id < 0 || Int(id) >= source.count {
            throw LLMError.invalidOption(
                name: "source ids", reason: "id \(id) outside the source vocabulary of \(source.count)")
        }
        let ranges = DynamicTimeWarping.align(
            source: ScalarTable(sourceIDs.map { pair.strippedSource[Int($0)] }),
            base: ScalarTable(baseIDs.map { pair.strippedBase[Int($0)] }))
        let baseMarker = base.marker.rawValue
        var out = SparseSteps()
        out.ids.reserveCapacity(baseIDs.count * 4)
        var rowIDs: [Int32] = [], rowLogits: [Float] = []
        for (i, baseID) in baseIDs.enumerated() {
            rowIDs.removeAll(keepingCapacity: true)
            rowLogits.removeAll(keepingCapacity: true)
            let baseToken = base.tokens[Int(baseID)]
            let oneHotID = base.ids[baseToken] ?? baseID
            if ranges.isEmpty || ranges[i].count != 1 {
                rowIDs.append(oneHotID); rowLogits.append(1)
            } else {
                let j = ranges[i].lowerBound
                let sourceID = Int(sourceIDs[j])
                var sourceToken = pair.replacedSource[sourceID]
                // FuseLLM's special case (written for MPT): a byte-level source's first token lacks the marker the
                // base's first token carries.
                if source.marker == .byteLevel && i == 0 && baseToken.hasPrefix(baseMarker)
                    && !sourceToken.hasPrefix(baseMarker)
                {
                    sourceToken = baseMarker + sourceToken
                }
                let matched: Bool
                switch mode {
                case .hard: matched = baseToken == sourceToken
                case .soft:
                    matched =
                        baseToken == sourceToken
                        || pair.mapping!.baseID(forReplacedSourceToken: sourceToken).map {
                            base.tokens[Int($0)] == baseToken
                        } == true
                }
                if matched {
                    let (ids, logits) = sourceTopK.row(j)
                    for (topID, logit) in zip(ids, logits) {
                        guard topID >= 0, Int(topID) < source.count else {
                            throw LLMError.invalidOption(
                                name: "source top-k",
                                reason: "id \(topID) outside the source vocabulary of \(source.count)")
                        }
                        let aligned =
                            mode == .hard ? pair.exactToBase[Int(topID)] : pair.mapping!.sourceToBase[Int(topID)]
                        if aligned >= 0 && !rowIDs.contains(aligned) {
                            rowIDs.append(aligned); rowLogits.append(logit)
                        }
                    }
                } else {
                    rowIDs.append(oneHotID); rowLogits.append(1)
                }
            }
            out.append(ids: rowIDs, values: rowLogits)
        }
        return out
    }
}

extension StepAligner {
    /// One sequence to align: the base ids, the source ids and the source's per-step top-k.
    public struct Job: Sendable {
        public let baseIDs: [Int32]
        public let sourceIDs: [Int32]
        public let sourceTopK: SparseSteps

        public init(baseIDs: [Int32], sourceIDs: [Int32], sourceTopK: SparseSteps) {
            self.baseIDs = baseIDs
            self.sourceIDs = sourceIDs
            self.sourceTopK = sourceTopK
        }
    }

    /// Aligns many sequences, spread over the cores (each sequence's DTW is independent and O(n·m)).
    /// Results come back in `jobs` order; the first error (in job order) is thrown and nothing is returned.
    public func align(_ jobs: [Job]) throws -> [SparseSteps] {
        let workers = min(jobs.count, ProcessInfoCores.count)
        guard workers > 0 else { return [] }
        let slots = UnsafeMutablePointer<Result<SparseSteps, any Error>?>.allocate(capacity: jobs.count)
        slots.initialize(repeating: nil, count: jobs.count)
        defer { slots.deinitialize(count: jobs.count); slots.deallocate() }
        nonisolated(unsafe) let shared = slots
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < jobs.count {
                let job = jobs[index]
                // Each worker writes only its own indices, so the slots never race.
                shared[index] = Result {
                    try align(baseIDs: job.baseIDs, sourceIDs: job.sourceIDs, sourceTopK: job.sourceTopK)
                }
                index += workers
            }
        }
        return try (0..<jobs.count).map { try slots[$0]!.get() }
    }
}
