import Foundation
import Fuse
import FuseModels
import FuseTestSupport
import Testing

/// "Audio as text": a sound embedded as the text embedding of its Whisper transcript. With all-MiniLM-L6-v2 (a
/// text-only model) and tiny.en, a spoken sample's vector is exactly the vector of its transcript's text, single and
/// batched, and it still reports audio. Skipped with the reason when tools/setup_models.sh has not run.
@Suite("audio as text")
struct AudioAsTextTests {
    static let models = FixturePaths.models
    static let installed = FixturePaths.installed("whisper-tiny.en", "all-MiniLM-L6-v2")

    @Test(
        "a spoken sample embeds as its transcript's text",
        .enabled(if: installed, "models/whisper-tiny.en or all-MiniLM-L6-v2 is absent: run tools/setup_models.sh"))
    func transcriptEmbedding() async throws {
        let speech = try SpeechModel.load(
            directory: Self.models.appendingPathComponent("whisper-tiny.en"), options: .init(beamSize: 1))
        let runtime = try FuseRuntime(
            modelDirectory: Self.models.appendingPathComponent("all-MiniLM-L6-v2"), speech: speech)
        let files = ["cat", "coffee"].map { FixturePaths.samples.appendingPathComponent("audio/\($0).wav") }
        let single = try await runtime.embed(file: files[0])
        let text = try speech.transcribe(files[0]).text
        #expect(text == "Ginger Cat resting and looking at the camera.")
        let expected = try await runtime.embed(text: text)
        #expect(single.modality == .audio)  // a sound, embedded as text
        #expect(maxAbsDifference(single.vector, expected.vector) <= 1e-6)
        let batch = try await runtime.embed(files: files)
        #expect(maxAbsDifference(batch[0].vector, expected.vector) <= 1e-5)
        let coffee = try await runtime.embed(text: try speech.transcribe(files[1]).text)
        #expect(maxAbsDifference(batch[1].vector, coffee.vector) <= 1e-5)
        // Without speech, the text-only model has no audio tower: the sound is refused, not silently embedded.
        let plain = try FuseRuntime(modelDirectory: Self.models.appendingPathComponent("all-MiniLM-L6-v2"))
        await #expect(throws: (any Error).self) { _ = try await plain.embed(file: files[0]) }
    }

    @Test(
        "fuse embed --audio-as text embeds a sound with a text-only model",
        .enabled(if: installed, "models/whisper-tiny.en or all-MiniLM-L6-v2 is absent: run tools/setup_models.sh"))
    func command() throws {
        let run = try FuseBinary.run([
            "embed", "--model", Self.models.appendingPathComponent("all-MiniLM-L6-v2").path, "--audio-as", "text",
            "--inputs", FixturePaths.samples.appendingPathComponent("audio/cat.wav").path, "--out", "-", "--quiet",
        ])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("\"modality\""), "\(run.output.prefix(200))")
    }

    @Test("--audio-as takes audio or text, and --speech-model only with text")
    func badOptions() throws {
        let cat = FixturePaths.samples.appendingPathComponent("audio/cat.wav").path
        let bogus = try FuseBinary.run(["embed", "--model", "x", "--audio-as", "words", "--inputs", cat])
        #expect(bogus.status != 0 && bogus.errors.contains("--audio-as takes audio or text"), "\(bogus.errors)")
        let stray = try FuseBinary.run(["embed", "--model", "x", "--speech-model", "x", "--inputs", cat])
        #expect(
            stray.status != 0 && stray.errors.contains("--speech-model applies to --audio-as text"), "\(stray.errors)")
    }

    @Test(
        "fuse describe --transcribe puts a sound's transcript in LENS's prompt",
        .enabled(if: installed, "models/whisper-tiny.en or all-MiniLM-L6-v2 is absent: run tools/setup_models.sh"))
    func describe() throws {
        let cat = FixturePaths.samples.appendingPathComponent("audio/cat.wav").path
        let run = try FuseBinary.run(["describe", "--transcribe", "--json", "--quiet", cat])
        #expect(run.status == 0, "\(run.errors)")
        let descriptions = try #require(
            try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]])
        let captions = try #require(descriptions.first?["captions"] as? [String])
        #expect(captions.first == "ginger cat resting and looking at the camera.")
        #expect((descriptions.first?["prompt"] as? String)?.contains("Captions:\n-ginger cat resting") == true)
        let stray = try FuseBinary.run(["describe", "--speech-model", "x", cat])
        #expect(stray.status != 0 && stray.errors.contains("--speech-model applies to --transcribe"))
    }
}
