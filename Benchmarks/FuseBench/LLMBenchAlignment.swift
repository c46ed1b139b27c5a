import Foundation
import Fuse
import FuseLLM

/// The alignment half of `fuse bench llm`: deterministic English-like texts tokenized by two tokenizers of
/// different families, a seeded random top-10 per source step, and the soft (MinED) alignment of every sequence.
struct AlignmentBench {
    let baseName: String, sourceName: String
    let aligner: StepAligner
    let jobs: [StepAligner.Job]
    let tokenCount: Int
    let mappingSeconds: Double
    var baseVocabulary: Int { aligner.pair.base.count }
    var sourceVocabulary: Int { aligner.pair.source.count }

    /// Texts of about 500 base tokens each until `tokens` base tokens are reached (tokenization is not timed).
    init(base: URL, source: URL, tokens: Int) throws {
        let baseModel = try LanguageModelBundle(folder: base), sourceModel = try LanguageModelBundle(folder: source)
        baseName = baseModel.name
        sourceName = sourceModel.name
        let pair = try VocabularyPair(base: baseModel.vocabulary, source: sourceModel.vocabulary)
        let start = DispatchTime.now().uptimeNanoseconds
        let mapping = VocabularyMapping.compute(pair: pair)
        mappingSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        aligner = try StepAligner(pair: pair.with(mapping: mapping), mode: .soft)

        var generator = SplitMix64(seed: 7)
        var jobs: [StepAligner.Job] = []
        var total = 0, sentence = 0
        let sentences = BenchEncoder.sentences(count: 4096)
        while total < tokens {
            var text = ""
            var baseIDs: [Int32] = []
            repeat {
                text += (text.isEmpty ? "" : " ") + sentences[sentence % sentences.count]
                sentence += 1
                if text.count > 1200 { baseIDs = try baseModel.encode(text) }
            } while baseIDs.count < 480
            let sourceIDs = try sourceModel.encode(text)
            var topK = SparseSteps()
            for _ in sourceIDs {
                let ids = (0..<10).map { _ in Int32(generator.next() % UInt64(sourceModel.vocabulary.count)) }
                topK.append(ids: ids, values: (0..<10).map { Float(10 - $0) })
            }
            jobs.append(StepAligner.Job(baseIDs: baseIDs, sourceIDs: sourceIDs, sourceTopK: topK))
            total += baseIDs.count
        }
        self.jobs = jobs
        tokenCount = total
    }

    /// Median and best base tokens per second of aligning every sequence on all cores.
    func measure(repeats: Int) throws -> (Double, Double) {
        try BenchEncoder.measure(repeats: repeats, items: tokenCount) { _ = try aligner.align(jobs) }
    }

    /// The peer's input: both vocabularies, markers, the mapping and the first `sequences` sequences.
    func writePeerInput(to url: URL, sequences: Int) throws {
        let pair = aligner.pair
        let object: [String: Any] = [
            "base_vocab": pair.base.tokens, "source_vocab": pair.source.tokens,
            "base_marker": pair.base.marker.rawValue, "source_marker": pair.source.marker.rawValue,
            "source_byte_level": pair.source.marker == .byteLevel,
            "mapping": pair.mapping!.sourceToBase.map(Int.init),
            "sequences": jobs.prefix(sequences).map { job -> [String: Any] in
                let k = 10
                return [
                    "base_ids": job.baseIDs.map(Int.init), "source_ids": job.sourceIDs.map(Int.init),
                    "topk_ids": (0..<job.sourceTopK.count).map { t in job.sourceTopK.row(t).ids.map(Int.init) },
                    "topk_logits": (0..<job.sourceTopK.count).map { _ in (0..<k).map { Double(10 - $0) } },
                ]
            },
        ]
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }
}
