import Foundation
import FuseCore
import Testing

@testable import Fuse

/// `AudioRouting`: a model folder's `fuse_audio_as` / `fuse_speech_model` fields (the bundled fuse-mini asks for
/// sounds as text through `../whisper-tiny.en`).
@Suite struct AudioRoutingTests {
    static func folder(config: [String: Any]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-routing-\(UUID().uuidString)")
        let model = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: model.appendingPathComponent("config.json"))
        return model
    }

    @Test func absentOrAudioMeansTheAudioTower() throws {
        for config: [String: Any] in [["model_type": "bert"], ["model_type": "bert", "fuse_audio_as": "audio"]] {
            let model = try Self.folder(config: config)
            defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
            #expect(try AudioRouting.configured(modelDirectory: model) == AudioRouting(speechModel: nil, note: nil))
        }
    }

    @Test func textUsesTheSpeechFolderBesideTheModelWhenItExists() throws {
        let model = try Self.folder(config: ["fuse_audio_as": "text"])
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        let missing = try AudioRouting.configured(modelDirectory: model)
        #expect(missing.speechModel == nil)
        #expect(missing.note?.contains("whisper-tiny.en, which is missing") == true, "\(missing.note ?? "")")
        let whisper = model.deletingLastPathComponent().appendingPathComponent("whisper-tiny.en")
        try FileManager.default.createDirectory(at: whisper, withIntermediateDirectories: true)
        let present = try AudioRouting.configured(modelDirectory: model)
        #expect(present.speechModel?.path == whisper.standardizedFileURL.path && present.note == nil)
    }

    @Test func aNamedSpeechFolderIsRelativeToTheModel() throws {
        let model = try Self.folder(config: ["fuse_audio_as": "text", "fuse_speech_model": "speech"])
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        let speech = model.appendingPathComponent("speech")
        try FileManager.default.createDirectory(at: speech, withIntermediateDirectories: true)
        #expect(try AudioRouting.configured(modelDirectory: model).speechModel?.path == speech.standardizedFileURL.path)
    }

    @Test func anUnknownModeNamesTheFileAndTheChoices() throws {
        let model = try Self.folder(config: ["fuse_audio_as": "speech"])
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        #expect {
            try AudioRouting.configured(modelDirectory: model)
        } throws: { error in
            "\(error)".contains("config.json") && "\(error)".contains("fuse_audio_as must be \"audio\" or \"text\"")
        }
    }

    @Test("the bundled fuse-mini asks for sounds as text through ../whisper-tiny.en")
    func bundledModelAsksForText() throws {
        let mini = FixtureLocation.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/fuse-mini")
        let routing = try AudioRouting.configured(modelDirectory: mini)
        let whisper = mini.deletingLastPathComponent().appendingPathComponent("whisper-tiny.en")
        if FileManager.default.fileExists(atPath: whisper.path) {
            #expect(routing.speechModel?.path == whisper.standardizedFileURL.path)
        } else {
            #expect(routing.speechModel == nil && routing.note != nil)
        }
    }
}
