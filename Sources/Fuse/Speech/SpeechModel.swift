import AudioFrames
import Foundation
import FuseCore
import FuseModels

/// What a speech model heard in one recording.
public struct Transcript: Sendable, Equatable, Codable {
    /// One stretch of speech with its times in seconds (present when timestamps were asked for).
    public struct Segment: Sendable, Equatable, Codable {
        public let start: Double
        public let end: Double
        public let text: String
    }

    /// The whole text, without leading or trailing spaces (empty for silence).
    public let text: String
    /// Every generated token, in order (timestamps included when asked for; no prompt, no end-of-text).
    public let tokens: [Int32]
    public let segments: [Segment]
}

/// Speech to text with a Whisper checkpoint (any Hugging Face Whisper folder: `models/whisper-tiny.en` from
/// `tools/setup_models.sh`, `openai/whisper-*` from the Hub cache).
///
/// ```swift
/// let speech = try SpeechModel.load(directory: URL(fileURLWithPath: "models/whisper-tiny.en"))
/// let transcript = try speech.transcribe(URL(fileURLWithPath: "samples/audio/cat.wav"))
/// print(transcript.text)   // "Ginger Cat resting and looking at the camera."
/// ```
public struct SpeechModel: Sendable {
    public let whisper: WhisperModel
    /// Beam size (default 5), timestamps, language and task.
    public var options: WhisperDecodingOptions
    /// Limits for decoding audio files (sample rates, channels, duration).
    public var limits: AudioDecoder.Limits

    public init(whisper: WhisperModel, options: WhisperDecodingOptions = .init(), limits: AudioDecoder.Limits = .init())
    {
        self.whisper = whisper
        self.options = options
        self.limits = limits
    }

    /// Loads a Whisper folder computing in `precision` (fp32, the exact path, by default; `WhisperModel.converted`
    /// says what each precision changes, and `whisper.precisionNote` why a CPU runs fp32 instead).
    public static func load(
        directory: URL, options: WhisperDecodingOptions = .init(), precision: Precision = .fp32
    ) throws -> SpeechModel {
        SpeechModel(whisper: try WhisperModel.load(directory: directory, precision: precision), options: options)
    }

    /// Decodes an audio file (any container libsndfile reads), mixes it to mono, resamples it to the model's rate
    /// and transcribes it.
    public func transcribe(_ file: URL) throws -> Transcript {
        try transcribe(AudioDecoder(limits: limits).decode(contentsOf: file))
    }

    /// Transcribes mono audio at any rate (resampled to the model's, 16 kHz for Whisper).
    public func transcribe(_ audio: AudioBuffer) throws -> Transcript {
        let rate = whisper.features.sampleRate
        let samples =
            audio.sampleRate == rate
            ? audio.samples : try Resampler(from: audio.sampleRate, to: rate).resample(audio.samples)
        return try transcribe(samples: samples)
    }

    /// Transcribes mono samples already at the model's rate.
    public func transcribe(samples: [Float]) throws -> Transcript {
        let result = try whisper.generate(samples: samples, options: options)
        let segments = try result.segments.map {
            Transcript.Segment(start: $0.start, end: $0.end, text: try whisper.text(of: $0.tokens))
        }
        return Transcript(text: try whisper.text(of: result.tokens), tokens: result.tokens, segments: segments)
    }
}
