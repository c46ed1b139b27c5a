import Foundation
import FuseTestSupport
import FuseCore
import Testing

@testable import FuseNER

/// Many texts per call (windows of all texts batched by length, padded, the LSTM packed over them) give what each
/// text gives alone.
@Suite struct NERBatchTests {
    @Test(arguments: GLiNERFixture.names, [1, 3, 16])
    func batchEqualsOneByOne(name: String, batchSize: Int) throws {
        let fixture = try GLiNERFixture.load(name)
        let texts = fixture.cases.map(\.text) + [String(fixture.long.text.prefix(900))]
        var options = ExtractionOptions(threshold: 0.3, flat: false, multiLabel: true, batchSize: batchSize)
        options.windowOverlap = fixture.maxWidth
        let labels = ["person", "organization", "date"]
        let together = try fixture.model.extract(texts, labels: labels, options: options)
        #expect(together.count == texts.count)
        var total = 0
        for (text, found) in zip(texts, together) {
            let alone = try fixture.model.extract(text, labels: labels, options: options)
            #expect(sameEntities(found, alone, tolerance: 1e-5), "\(text.prefix(40))")
            total += found.count
        }
        #expect(total > 0)
    }

    /// The packed LSTM over several sequences equals running it on each sequence alone.
    @Test func packedLSTMEqualsOneSequenceAtATime() throws {
        let fixture = try GLiNERFixture.load("gliner-tiny")
        let lstm = try #require(fixture.model.lstm)
        let lengths = [5, 1, 9, 3]
        var generator = SystemRandomNumberGenerator()
        let input = try Tensor(
            shape: [lengths.reduce(0, +), lstm.inputSize],
            values: (0..<(lengths.reduce(0, +) * lstm.inputSize)).map { _ in Float.random(in: -1...1, using: &generator)
            })
        let packed = try lstm(input, lengths: lengths)
        var start = 0
        for length in lengths {
            let alone = try lstm(try input.rows(start..<(start + length)), lengths: [length])
            #expect(maxAbsDifference(try packed.rows(start..<(start + length)).scalars, alone.scalars) <= 1e-6)
            start += length
        }
    }
}
