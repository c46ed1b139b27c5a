import Foundation
import FuseCore
import FuseTestSupport
import Testing

@testable import FuseModels

/// `TransformerEncoder` runs a padded batch without its trailing padding (each item cut after its last real token,
/// attention per item) and splits the items into groups of about equal work, one per core. A batch of mixed lengths
/// must give every item's real tokens what the item gives alone, and zeros at its padding: BERT (bidirectional,
/// post-LN) and CLIP's text tower (causal) fixtures, in every precision the CPU runs.
@Suite("Packed encoder batches")
struct PackedEncoderBatchTests {
    static let lengths = [7, 2, 13, 5, 13, 1, 9]

    static func tokens(vocabulary: Int) throws -> [Tokens] {
        var generator = SplitMix64(seed: 11)
        return try lengths.map { length in
            let ids = (0..<length).map { _ in Int32(1 + Int(generator.next() % UInt64(vocabulary - 1))) }
            return try Tokens(modality: .text, content: .ids(ids))
        }
    }

    @Test(
        "mixed lengths in one batch = each item alone; padding rows zero",
        arguments: ["bert", "clip"], [Precision.fp32, .bf16, .int8])
    func batchMatchesItemsAlone(fixture: String, precision: Precision) throws {
        let model = try EncoderModel.load(directory: ModelFixtures.folder(fixture), precision: precision)
        guard model.precision == precision else { return }  // not on this CPU (the fallback has its own tests)
        let tower = try #require(model.towers[.text])
        let vocabulary = try #require(Tower.tokenTable(tower.embedder)).0
        let inputs = try Self.tokens(vocabulary: vocabulary)
        let batched = try tower(inputs).lastHidden
        let (sequence, width) = (batched.shape[1], batched.shape[2])
        #expect(sequence == Self.lengths.max()!)
        for (item, input) in inputs.enumerated() {
            let alone = try tower([input]).lastHidden
            let length = Self.lengths[item]
            try batched.withUnsafeBufferPointer { all in
                try alone.withUnsafeBufferPointer { one in
                    let rows = all.baseAddress! + item * sequence * width
                    var worst: Float = 0
                    for index in 0..<(length * width) { worst = max(worst, abs(rows[index] - one[index])) }
                    #expect(worst <= 1e-5, "\(fixture) \(precision) item \(item) (\(length) tokens): \(worst)")
                    let padding = UnsafeBufferPointer(
                        start: rows + length * width, count: (sequence - length) * width)
                    #expect(padding.allSatisfy { $0 == 0 }, "\(fixture) \(precision) item \(item): padding not zero")
                    _ = try #require(one.count == length * width)
                }
            }
        }
    }

    @Test("groups: contiguous, non-empty, covering every item, about equal work")
    func balancedGroups() {
        // Sixteen short items then sixteen long ones: the cut falls among the long ones, not at item 16.
        let mixed = [Int](repeating: 1, count: 16) + [Int](repeating: 30, count: 16)
        #expect(TransformerEncoder.balancedGroups(lengths: mixed, count: 2, width: 384) == [0..<24, 24..<32])
        #expect(
            TransformerEncoder.balancedGroups(lengths: [Int](repeating: 9, count: 32), count: 2, width: 384)
                == [0..<16, 16..<32])
        #expect(TransformerEncoder.balancedGroups(lengths: [5], count: 2, width: 64) == [0..<1])
        #expect(TransformerEncoder.balancedGroups(lengths: [], count: 2, width: 64) == [])
        #expect(TransformerEncoder.balancedGroups(lengths: [100, 1], count: 2, width: 64) == [0..<1, 1..<2])
        var generator = SplitMix64(seed: 3)
        for count in [2, 3, 4] {
            let lengths = (0..<37).map { _ in Int(generator.next() % 200) }
            let groups = TransformerEncoder.balancedGroups(lengths: lengths, count: count, width: 64)
            #expect(groups.count == count)
            #expect(groups.first?.lowerBound == 0 && groups.last?.upperBound == lengths.count)
            #expect(zip(groups, groups.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(groups.allSatisfy { !$0.isEmpty })
            let cost = { (range: Range<Int>) in
                lengths[range].reduce(0.0) { $0 + Double($1) * (1 + Double($1) / 384) }
            }
            let total = cost(0..<lengths.count)
            let largest = lengths.map { Double($0) * (1 + Double($0) / 384) }.max()!
            #expect(groups.allSatisfy { cost($0) <= total / Double(count) + largest })
        }
    }
}
