import Foundation
import FuseCore
import Testing
@testable import FusePluginLoader

/// A loaded plugin's `tokenize`: features pass through as `[T, P]` tokens, long inputs become windows of at most
/// `maxTokens` (consecutive windows sharing `windowOverlap`), never a silent truncation.
@Suite struct TokenizeTests {
    let plugin: LoadedPlugin

    init() throws { plugin = try LoadedPlugin.load(from: PluginBuilds.testPlugin()) }

    func features(rows: Int) throws -> Sample {
        .features(try Tensor(shape: [rows, 2], values: (0..<(rows * 2)).map(Float.init)), modality: "byte-features")
    }

    @Test func shortInputIsOneSequence() throws {
        let tokens = try plugin.tokenize(try features(rows: 3), context: PreprocessingContext(maxTokens: 8))
        #expect(tokens.count == 1)
        guard case .features(let tensor) = tokens[0].content else {
            Issue.record("expected feature tokens")
            return
        }
        #expect(tensor.shape == [3, 2])
        #expect(tensor.scalars == [0, 1, 2, 3, 4, 5])
        #expect(tokens[0].positions == [0, 1, 2])
        #expect(tokens[0].modality == Modality("byte-features"))
    }

    @Test(arguments: [
        (10, 4, 1, [0..<4, 3..<7, 6..<10]),
        (10, 4, 0, [0..<4, 4..<8, 8..<10]),
        (9, 3, 2, [0..<3, 1..<4, 2..<5, 3..<6, 4..<7, 5..<8, 6..<9]),
        (4, 4, 3, [0..<4]),
    ])
    func longInputIsWindowed(rows: Int, maxTokens: Int, overlap: Int, expected: [Range<Int>]) throws {
        let context = PreprocessingContext(maxTokens: maxTokens, windowOverlap: overlap)
        let tokens = try plugin.tokenize(try features(rows: rows), context: context)
        let firstRows: [Float] = tokens.map { token in
            guard case .features(let tensor) = token.content else { return -1 }
            return tensor[0, 0] / 2
        }
        #expect(tokens.map(\.count) == expected.map(\.count))
        #expect(firstRows == expected.map { Float($0.lowerBound) })
        #expect(tokens.allSatisfy { $0.count <= maxTokens })
    }

    @Test func idsAreWindowedToo() throws {
        let ids = try LoadedPlugin.load(from: PluginBuilds.testPlugin(["IDS_MODE"]))
        let tokens = try ids.tokenize(
            .ids([5, 6, 7, 8, 9], modality: "bytes"),
            context: PreprocessingContext(maxTokens: 2))
        let contents: [[Int32]] = tokens.map { if case .ids(let ids) = $0.content { ids } else { [] } }
        #expect(contents == [[5, 6], [7, 8], [9]])
    }

    @Test func badContextsAndSamplesAreNamedErrors() throws {
        let sample = try features(rows: 5)
        #expect(
            throws: FuseError.invalidArgument(
                what: "plugin 'test-bytes' windowOverlap",
                reason: "4 must be smaller than maxTokens (4) so windows advance")
        ) {
            try plugin.tokenize(sample, context: PreprocessingContext(maxTokens: 4, windowOverlap: 4))
        }
        #expect(throws: FuseError.invalidArgument(what: "plugin 'test-bytes' maxTokens", reason: "0 is below 1")) {
            try plugin.tokenize(sample, context: PreprocessingContext(maxTokens: 0))
        }
        #expect(
            throws: FuseError.unsupportedSample(
                plugin: "test-bytes", reason: "produces 'byte-features' samples, was given a 'text' sample")
        ) {
            try plugin.tokenize(.text("hi"), context: PreprocessingContext())
        }
    }
}
