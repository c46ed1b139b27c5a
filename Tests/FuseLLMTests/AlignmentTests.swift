import Foundation
import Testing
@testable import FuseLLM

/// Alignment and vocabulary mapping against tools/reference/llm_fusellm.py (FuseLLM's algorithms in Python) on
/// the fixture models' real top-k outputs. Ids must match exactly; carried logits within 1e-6.
@Suite struct AlignmentTests {
    static let cases = Array(LLMFixtures.fusion.cases.indices)

    static func pair(base: String, source: String, soft: Bool) throws -> VocabularyPair {
        let pair = try VocabularyPair(base: LLMFixtures.vocabulary(base), source: LLMFixtures.vocabulary(source))
        return soft ? try pair.with(mapping: VocabularyMapping.compute(pair: pair)) : pair
    }

    @Test func markersDetected() throws {
        #expect(try LLMFixtures.vocabulary("gpt2-a").marker == .byteLevel)
        #expect(try LLMFixtures.vocabulary("llama-b").marker == .metaspace)
        #expect(try LLMFixtures.vocabulary("llama-b").tokens[3] == "<0x00>")
    }

    @Test(arguments: cases)
    func vocabularyMappingMatchesFuseLLM(caseIndex: Int) throws {
        let c = LLMFixtures.fusion.cases[caseIndex]
        for source in c.sources {
            let pair = try Self.pair(base: c.base, source: source, soft: true)
            let expected = c.vocab_mappings[source]!
            var mismatches: [String] = []
            for (id, key) in pair.replacedSource.enumerated() {
                let got = pair.base.tokens[Int(pair.mapping!.sourceToBase[id])]
                if expected[key] != got { mismatches.append("\(key): \(expected[key] ?? "nil") vs \(got)") }
            }
            #expect(mismatches.isEmpty, "\(source)→\(c.base): \(mismatches.prefix(5))")
            #expect(expected.count == Set(pair.replacedSource).count)
        }
    }

    @Test(arguments: cases)
    func stepAlignmentMatchesFuseLLM(caseIndex: Int) throws {
        let c = LLMFixtures.fusion.cases[caseIndex]
        let reference = LLMFixtures.reference
        let mode = VocabularyAlignment(rawValue: c.align_type)!
        for source in c.sources {
            let aligner = try StepAligner(
                pair: Self.pair(base: c.base, source: source, soft: mode == .soft), mode: mode)
            for (n, text) in c.texts.enumerated() {
                let base = reference.models[c.base]!.texts[n], src = reference.models[source]!.texts[n]
                let expected = text.aligned[source]!
                let ranges = DynamicTimeWarping.align(
                    source: ScalarTable(src.ids.map { aligner.pair.strippedSource[Int($0)] }),
                    base: ScalarTable(base.ids.map { aligner.pair.strippedBase[Int($0)] }))
                #expect(ranges.map { Array($0) } == expected.base_to_source, "DTW \(source) text \(n)")
                let got = try aligner.align(baseIDs: base.ids, sourceIDs: src.ids, sourceTopK: src.topK)
                #expect(got.count == expected.ids.count)
                for t in 0..<min(got.count, expected.ids.count) {
                    let row = got.row(t)
                    #expect(Array(row.ids) == expected.ids[t], "\(source) text \(n) step \(t)")
                    if Array(row.ids) == expected.ids[t] {
                        for (a, b) in zip(row.values, expected.logits[t]) { #expect(abs(a - b) <= 1e-6) }
                    }
                }
            }
        }
    }

    /// The pruned parallel search equals a brute-force scan (FuseLLM's `find_best_mapping`) on every token.
    @Test func prunedMappingEqualsBruteForce() throws {
        let pair = try Self.pair(base: "llama-b", source: "gpt2-a", soft: true)
        let base = ScalarTable(pair.base.tokens)
        let row = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
        defer { row.deallocate() }
        for (q, token) in pair.replacedSource.enumerated() {
            let a = Array(token.unicodeScalars.map(\.value))
            var best = Int32.max, bestID: Int32 = -1
            if let exact = pair.base.ids[token] {
                bestID = exact
            } else {
                a.withUnsafeBufferPointer { ap in
                    base.scalars.withUnsafeBufferPointer { bs in
                        for id in 0..<base.count {
                            let d = EditDistance.distance(
                                ap, UnsafeBufferPointer(rebasing: bs[base.offsets[id]..<base.offsets[id + 1]]), row: row
                            )
                            if d < best { best = d; bestID = Int32(id) }
                        }
                    }
                }
            }
            #expect(pair.mapping!.sourceToBase[q] == bestID, "token \(token)")
        }
    }

    @Test func mappingCacheRoundTrips() throws {
        let pair = try Self.pair(base: "gpt2-a", source: "llama-c", soft: false)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-llm-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try VocabularyMappingCache.mapping(for: pair, directory: dir)
        let second = try VocabularyMappingCache.mapping(for: pair, directory: dir)
        #expect(!first.cached && second.cached)
        #expect(first.mapping == second.mapping)
    }

    @Test func editDistanceKnownValues() {
        let row = UnsafeMutablePointer<Int32>.allocate(capacity: 32)
        defer { row.deallocate() }
        func d(_ a: String, _ b: String) -> Int32 {
            let x = a.unicodeScalars.map(\.value), y = b.unicodeScalars.map(\.value)
            return x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { EditDistance.distance(xp, $0, row: row) }
            }
        }
        #expect(d("kitten", "sitting") == 3)
        #expect(d("", "abc") == 3)
        #expect(d("ü", "u") == 1)
        #expect(d("Ġthe", "▁the") == 1)
    }
}
