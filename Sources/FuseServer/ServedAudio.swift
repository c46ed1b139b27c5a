import Foundation
import Fuse

/// How a server embeds sounds (`fuse serve --audio-as`), as `fuse embed` does for the same flags.
public enum ServedAudio: Sendable, Equatable {
    /// What each model folder's `config.json` asks for (`fuse_audio_as`, `fuse_speech_model`; `AudioRouting`): the
    /// bundled fuse-mini's sounds are transcribed when its Whisper folder is installed.
    case asConfigured
    /// Through each model's audio tower.
    case audioTower
    /// Transcribed by the Whisper model in this folder, then embedded as the transcript's text.
    case transcribed(speechModel: URL)

    /// The speech model for the model in `folder`, and a note when its folder asks for a Whisper folder that is
    /// missing.
    func speech(forModelIn folder: URL) throws -> (model: SpeechModel?, note: String?) {
        switch self {
        case .audioTower:
            return (nil, nil)
        case .transcribed(let speechModel):
            return (try SpeechModel.load(directory: speechModel), nil)
        case .asConfigured:
            let routing = try AudioRouting.configured(modelDirectory: folder)
            return (try routing.speechModel.map { try SpeechModel.load(directory: $0) }, routing.note)
        }
    }
}
