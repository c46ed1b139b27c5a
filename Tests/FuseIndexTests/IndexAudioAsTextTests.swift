import Foundation
import Fuse
import FuseIndex
import FuseTestSupport
import Testing

/// `fuse index --audio-as text`: with a text-only model (all-MiniLM-L6-v2) and Whisper tiny.en, sounds are indexed as
/// their transcripts' text instead of skipped, a text query finds the sound that says it, and the index's model id
/// names the speech model, so an index of audio-tower vectors is never searched with transcripts (or the reverse).
/// Skipped with the reason when tools/setup_models.sh has not run.
@Suite("fuse index: sounds as text")
struct IndexAudioAsTextTests {
    static let models = FixturePaths.models
    static let installed = FixturePaths.installed("whisper-tiny.en", "all-MiniLM-L6-v2")

    @Test(
        "a text-only model indexes sounds through their transcripts; the model id names the speech model",
        .enabled(if: installed, "models/whisper-tiny.en or all-MiniLM-L6-v2 is absent: run tools/setup_models.sh"))
    func soundsAsText() async throws {
        let folder = try IndexFixtures.folder("audio-as-text")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = folder.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        for name in ["cat", "coffee", "camera"] {
            try FileManager.default.copyItem(
                at: FixturePaths.samples.appendingPathComponent("audio/\(name).wav"),
                to: files.appendingPathComponent("\(name).wav"))
        }
        let miniLM = Self.models.appendingPathComponent("all-MiniLM-L6-v2")
        let speech = try SpeechModel.load(
            directory: Self.models.appendingPathComponent("whisper-tiny.en"), options: .init(beamSize: 1))
        let runtime = try FuseRuntime(modelDirectory: miniLM, speech: speech)
        let db = folder.appendingPathComponent("index.sqlite")
        let index = try FuseIndex(writingTo: db, runtime: runtime)
        let report = try await Indexer(runtime: runtime, index: index).run(FolderWalk(roots: [files]))
        #expect(report.added == 3 && report.skipped == 0 && report.failed == 0, "\(report)")

        let hits = try await index.search(
            try SearchQuery(arguments: ["a ginger cat looking at the camera"]), runtime: runtime, k: 3)
        #expect(hits.first?.path.hasSuffix("cat.wav") == true, "\(hits.map(\.path))")
        // Each sound's vector is its transcript's text vector.
        let transcript = try speech.transcribe(files.appendingPathComponent("coffee.wav")).text
        let expected = try await runtime.embed(text: transcript)
        let byVector = try index.search(vector: expected.vector, k: 1)
        #expect(byVector.first?.path.hasSuffix("coffee.wav") == true)
        #expect(abs((byVector.first?.score ?? 0) - 1) <= 1e-5)

        #expect(FuseIndex.modelID(of: runtime).contains("+speech:"))
        let plain = try FuseRuntime(modelDirectory: miniLM)
        #expect(FuseIndex.modelID(of: plain) != FuseIndex.modelID(of: runtime))
        // Without the speech model the text-only model has no tower for sounds: skipped, as before.
        #expect(throws: IndexError.self) { try index.requireModel(of: plain) }
    }
}
