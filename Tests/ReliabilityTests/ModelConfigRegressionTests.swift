import Foundation
@testable import FuseModels
import Testing

/// Config values beyond what an `Int` holds exactly, found by FuzzModelConfig (finding 13 in docs/RELIABILITY.md).
@Suite("Reliability: config integers out of range")
struct ModelConfigRegressionTests {
    /// A folder holding `config` as config.json beside the tiny BERT fixture's weights and tokenizer.
    private func bertFolder(config: URL) throws -> URL {
        let folder = try ReliabilityFixtures.scratchFolder()
        let source = ReliabilityFixtures.url("models/bert")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "config.json" {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name),
                withDestinationURL: source.appendingPathComponent(name))
        }
        try FileManager.default.copyItem(at: config, to: folder.appendingPathComponent("config.json"))
        return folder
    }

    @Test("max_position_embeddings 8.9e24 is a named error, not an overflow trap in the shape check")
    func hugePositionCount() throws {
        let folder = try bertFolder(config: ReliabilityFixtures.reproducer("model_config_max_positions_8.9e24.json"))
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            _ = try EncoderModel.load(directory: folder)
        } throws: { error in
            guard case ModelError.invalidField(let file, let field, _) = error else { return false }
            return file.hasSuffix("config.json") && field == "max_position_embeddings"
        }
    }

    @Test("integers and integer arrays beyond ±2⁵³ or with fractions are refused; 2⁵³ itself is accepted")
    func integerRange() throws {
        let folder = try ReliabilityFixtures.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("config.json")
        try Data(
            #"{"big": 1e19, "edge": 9007199254740992, "frac": 2.5, "neg": -1e300, "strides": [10, 1e30], "ok": [10, 10]}"#
                .utf8
        )
        .write(to: url)
        let config = try ConfigFile(url: url)
        #expect(try config.int("edge") == 9_007_199_254_740_992)
        #expect(try config.ints("ok") == [10, 10])
        for key in ["big", "frac", "neg"] {
            #expect(throws: ModelError.self) { _ = try config.int(key) }
        }
        #expect(throws: ModelError.self) { _ = try config.ints("strides") }
    }

    @Test("a shape whose element count overflows Int is not a match for any tensor")
    func overflowingShape() {
        #expect(Tensor.elementCount(ofShape: [1 << 40, 1 << 40]) == nil)
        #expect(Tensor.elementCount(ofShape: [3, 4, 5]) == 60)
    }
}
