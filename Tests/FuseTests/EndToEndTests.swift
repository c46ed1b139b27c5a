import Foundation
import Fuse
import FuseTestSupport
import Testing

/// Files through the built-in plugins and a model, against transformers run on the same file
/// (tools/reference/models_*.py); tolerance 1e-4 max abs.
@Suite("End to end: file → plugin → model")
struct EndToEndTests {
    static let samples = FixtureLocation.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    @Test("AST: samples/audio/horse.wav through the audio plugin equals ASTFeatureExtractor + ASTModel")
    func astWav() async throws {
        let runtime = try FuseRuntime(modelDirectory: RuntimeFixtures.models.appendingPathComponent("ast"))
        let reference = try SafetensorsFile(
            url: RuntimeFixtures.models.appendingPathComponent("reference/ast.safetensors"))
        let wav = Self.samples.appendingPathComponent("audio/horse.wav")
        let plugin = try runtime.registry.plugin(for: wav)
        #expect(plugin.modality == .audio)
        let windows = try plugin.tokenize(
            plugin.decode(contentsOf: wav), context: runtime.preprocessingContext(for: .audio))
        // transformers keeps the first max_length frames; the plugin's first window is the same frames.
        let out = try runtime.model.run([windows[0]], modality: .audio)
        #expect(maxAbsDifference(out.embeddings.scalars, try reference.tensor("wav_pooler").scalars) <= 1e-4)

        let embedding = try await runtime.embed(file: wav)
        #expect(embedding.modality == .audio && embedding.dimension == 48)
        #expect(abs(embedding.vector.reduce(0) { $0 + $1 * $1 } - 1) <= 1e-5)
    }
}
