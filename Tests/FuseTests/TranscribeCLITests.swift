import Foundation
import FuseTestSupport
import Testing

/// `fuse transcribe` through the built binary: text, JSON and segment lines with the real tiny.en (skipped with
/// the reason when tools/setup_models.sh has not installed it), and bad input answered with what is wrong.
@Suite("fuse transcribe")
struct TranscribeCLITests {
    static let model = FixturePaths.models.appendingPathComponent("whisper-tiny.en")
    static let installed = FileManager.default.fileExists(
        atPath: model.appendingPathComponent("model.safetensors").path)
    static let cat = FixturePaths.samples.appendingPathComponent("audio/cat.wav").path
    static let camera = FixturePaths.samples.appendingPathComponent("audio/camera.wav").path

    @Test(
        "text, JSON lines and timestamped segments",
        .enabled(if: installed, "models/whisper-tiny.en is absent: tools/setup_models.sh installs it"))
    func transcribe() throws {
        let plain = try FuseBinary.run(["transcribe", "--model", Self.model.path, "--beam-size", "1", Self.cat])
        #expect(plain.status == 0, "\(plain.errors)")
        #expect(plain.output == "Ginger Cat resting and looking at the camera.\n")
        let json = try FuseBinary.run([
            "transcribe", "--model", Self.model.path, "--beam-size", "1", "--json", "--timestamps", Self.cat,
            Self.camera,
        ])
        #expect(json.status == 0, "\(json.errors)")
        let lines = json.output.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["file"] as? String == Self.cat)
        #expect(first["text"] as? String == "Ginger Cat resting and looking at the camera.")
        #expect((first["tokens"] as? [Int])?.isEmpty == false)
        let segments = try #require(first["segments"] as? [[String: Any]])
        #expect(segments.first?["start"] as? Double == 0)
        let stamped = try FuseBinary.run(["transcribe", "--model", Self.model.path, "--timestamps", Self.cat])
        #expect(stamped.output.hasPrefix("[0.00 → "), "\(stamped.output)")
    }

    @Test("a beam size under 1, no files, a missing file and a folder that is not Whisper are refused")
    func badInput() throws {
        let tiny = FixturePaths.url("models/whisper-en").path
        let beam = try FuseBinary.run(["transcribe", "--model", tiny, "--beam-size", "0", Self.cat])
        #expect(beam.status != 0 && beam.errors.contains("--beam-size must be at least 1"), "\(beam.errors)")
        let none = try FuseBinary.run(["transcribe", "--model", tiny])
        #expect(none.status != 0)
        let missing = try FuseBinary.run(["transcribe", "--model", tiny, "/nonexistent/speech.wav"])
        #expect(missing.status != 0 && missing.errors.contains("/nonexistent/speech.wav"), "\(missing.errors)")
        let notWhisper = try FuseBinary.run([
            "transcribe", "--model", FixturePaths.url("models/bert").path, Self.cat,
        ])
        #expect(notWhisper.status != 0 && notWhisper.errors.contains("whisper"), "\(notWhisper.errors)")
    }
}
