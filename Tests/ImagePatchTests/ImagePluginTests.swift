import Foundation
import ImagePatch
import Testing

@Suite("ImagePlugin claims, decodes and tokenizes images")
struct ImagePluginTests {
    let plugin = ImagePlugin()

    @Test("claims PNG and JPEG by magic bytes, not text")
    func sniffing() {
        #expect(plugin.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .definite)
        #expect(plugin.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .definite)
        #expect(plugin.sniff(Array("Hello".utf8)) == .no)
        #expect(plugin.claims.extensions.contains("jpg"))
        #expect(plugin.id == "image-patch")
        #expect(plugin.modality == .image)
    }

    /// Reference: the transformers CLIP fixture (clip224, 1e-5), cut into 14-pixel patches.
    @Test("tokenize with a model folder gives CLIP patch features and the grid")
    func tokenizeWithModelFolder() throws {
        let sample = try plugin.decode(contentsOf: FixtureFiles.url("decode/rocket.jpg"))
        let context = PreprocessingContext(modelDirectory: FixtureFiles.url("preprocess/clip224"), patchSize: 14)
        let tokens = try plugin.tokenize(sample, context: context)
        #expect(tokens.count == 1)
        let first = try #require(tokens.first)
        #expect(first.grid == [16, 16])
        guard case .features(let features) = first.content else { Issue.record("expected features"); return }
        #expect(features.shape == [256, 3 * 14 * 14])
        // Patch 0, channel 0, row 0 is the tensor's first 14 values; compare the first one with transformers.
        let fixtures = try FixtureFiles.json("preprocess.json", as: [PreprocessCase].self)
        let reference = try #require(fixtures.first { $0.config == "clip224" && $0.source == "rocket.jpg" })
        let first0 = try #require(reference.samples?.first)
        #expect(abs(features[0, 0] - first0) <= 1e-5)
    }

    @Test("the imagebind recipe with 2 frames gives Conv3d-shaped patches")
    func imageBindRecipe() throws {
        let sample = try plugin.decode(contentsOf: FixtureFiles.url("decode/coffee_333x517.jpg"))
        let context = PreprocessingContext(patchSize: 14, options: ["recipe": "imagebind", "frames": "2"])
        let tokens = try plugin.tokenize(sample, context: context)
        guard case .features(let features) = try #require(tokens.first).content else { return }
        #expect(features.shape == [256, 3 * 2 * 14 * 14])
    }

    @Test("unknown recipes, bad options and non-image samples are named errors")
    func errors() throws {
        let sample = try plugin.decode(contentsOf: FixtureFiles.url("decode/one_pixel.png"))
        #expect(throws: FuseError.self) {
            try plugin.tokenize(sample, context: PreprocessingContext(options: ["recipe": "nope"]))
        }
        #expect(throws: FuseError.self) {
            try plugin.tokenize(sample, context: PreprocessingContext(options: ["frames": "-1"]))
        }
        #expect(throws: FuseError.self) {
            try plugin.tokenize(.text("hi"), context: PreprocessingContext())
        }
        #expect(throws: FuseError.self) {
            try plugin.tokenize(sample, context: PreprocessingContext(modelDirectory: FixtureFiles.url("bad")))
        }
    }

    @Test("concurrent tokenize calls share one parsed config safely")
    func concurrentCache() async throws {
        let sample = try plugin.decode(contentsOf: FixtureFiles.url("decode/astronaut_444.jpg"))
        let context = PreprocessingContext(modelDirectory: FixtureFiles.url("preprocess/clip40"), patchSize: 8)
        let plugin = self.plugin
        let shapes = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let tokens = try plugin.tokenize(sample, context: context)
                    guard case .features(let f) = tokens[0].content else { return [] }
                    return f.shape
                }
            }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(shapes.count == 8)
        #expect(shapes.allSatisfy { $0 == [25, 192] })
    }
}
