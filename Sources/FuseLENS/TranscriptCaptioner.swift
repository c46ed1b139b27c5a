import Foundation
import Fuse
import FuseCore

/// Captions of sounds from what is said in them: the Whisper transcript comes first (when not empty), then what
/// `fallback` (a caption bank, say) gives, up to the count; other inputs get `fallback`'s captions only. So
/// `fuse describe --transcribe` puts a recording's words into LENS's prompt, where a text-only model reads them.
public struct TranscriptCaptioner: Captioner {
    public let speech: SpeechModel
    public let fallback: (any Captioner)?

    public init(speech: SpeechModel, fallback: (any Captioner)? = nil) {
        self.speech = speech
        self.fallback = fallback
    }

    public var id: String {
        "transcript:\(speech.whisper.folder.lastPathComponent)" + (fallback.map { "+\($0.id)" } ?? "")
    }

    public func captions(for source: URL, embedding: Embedding, count: Int) async throws -> [String] {
        let others = try await fallback?.captions(for: source, embedding: embedding, count: count) ?? []
        guard embedding.modality == .audio else { return others }
        let text = try speech.transcribe(source).text
        return Array(((text.isEmpty ? [] : [text]) + others).prefix(max(count, 1)))
    }
}
