import Foundation
import FuseCore
import FuseModels

/// How a model folder asks for its sounds to be embedded, from two optional `config.json` fields:
///
/// - `fuse_audio_as`: `"audio"` (the model's audio tower; the default when absent) or `"text"` (transcribed by a
///   Whisper model, then embedded as the transcript's text, so a sound lands where its words do);
/// - `fuse_speech_model`: that Whisper folder, relative to the model folder (default `../whisper-tiny.en`, where
///   `tools/setup_models.sh` puts it beside the bundled model).
///
/// The bundled `models/fuse-mini` asks for `"text"`; when the Whisper folder is absent, sounds go through the audio
/// tower and `note` says why. A command's explicit `--audio-as` wins over the folder.
public struct AudioRouting: Sendable, Equatable {
    /// The Whisper folder to transcribe with, nil for the audio tower.
    public let speechModel: URL?
    /// Why the folder's wish is not followed (its Whisper folder is missing), else nil.
    public let note: String?

    /// The routing `modelDirectory/config.json` asks for. Throws `FuseError.invalidConfig` for a `fuse_audio_as`
    /// other than `audio` or `text`.
    public static func configured(modelDirectory: URL) throws -> AudioRouting {
        let url = modelDirectory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return AudioRouting(speechModel: nil, note: nil) }
        let config = try ConfigFile(url: url)
        let mode = try config.string("fuse_audio_as", default: "audio")
        switch mode {
        case "audio":
            return AudioRouting(speechModel: nil, note: nil)
        case "text":
            let relative = try config.string("fuse_speech_model", default: "../whisper-tiny.en")
            let folder =
                (relative.hasPrefix("/")
                ? URL(fileURLWithPath: relative) : modelDirectory.appendingPathComponent(relative)).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                return AudioRouting(
                    speechModel: nil,
                    note: "\(url.path) asks for sounds as text through \(folder.path), which is missing: sounds go "
                        + "through the model's audio tower (tools/setup_models.sh installs whisper-tiny.en)")
            }
            return AudioRouting(speechModel: folder, note: nil)
        default:
            throw FuseError.invalidConfig(
                file: url.path, reason: "fuse_audio_as must be \"audio\" or \"text\", not \"\(mode)\"")
        }
    }
}
