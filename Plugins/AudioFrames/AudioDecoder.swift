import Foundation

/// Decodes an audio file through libsndfile — any container and encoding it reads (`SndFileFormats.linked`): WAV,
/// FLAC, OGG (Vorbis, Opus), AIFF, AU/SND (PCM, µ-law, A-law), CAF, W64, RF64, VOC, MP3, … — into a mono
/// `AudioBuffer` at the file's own rate, averaging the channels.
///
/// ```swift
/// let audio = try AudioDecoder().decode(contentsOf: url)      // mono Float, file's rate
/// let at16k = try Resampler(from: audio.sampleRate, to: 16_000).resample(audio.samples)
/// ```
/// For audio longer than `limits.maxDuration`, use `AudioStream`, which never holds the whole file.
public struct AudioDecoder: Sendable {
    /// What to do with NaN or infinite samples (possible in float and double files).
    public enum NonFinitePolicy: Sendable, Equatable {
        /// Refuse the file, naming the first bad frame.
        case error
        /// Replace each NaN/Inf sample by 0.
        case replaceWithZero
    }

    /// Bounds a header must respect before any sample is read; they turn absurd headers into named errors.
    public struct Limits: Sendable, Equatable {
        /// Accepted sample rates in Hz.
        public var sampleRates: ClosedRange<Int>
        /// Most channels accepted.
        public var maxChannels: Int
        /// Longest audio, in seconds, that `decode` loads in one piece.
        public var maxDuration: Double
        public var nonFinite: NonFinitePolicy

        public init(
            sampleRates: ClosedRange<Int> = 1_000...768_000, maxChannels: Int = 64,
            maxDuration: Double = 3 * 3600, nonFinite: NonFinitePolicy = .error
        ) {
            self.sampleRates = sampleRates
            self.maxChannels = maxChannels
            self.maxDuration = maxDuration
            self.nonFinite = nonFinite
        }
    }

    public var limits: Limits
    /// Frames read per libsndfile call; bounds the interleaved scratch buffer.
    public var chunkFrames: Int

    public init(limits: Limits = .init(), chunkFrames: Int = 1 << 16) {
        self.limits = limits
        self.chunkFrames = max(1, chunkFrames)
    }

    /// Most samples `decode` reserves before reading; see `decode(contentsOf:)`.
    static let maximumUpfrontReservation = 48_000 * 60

    /// Reads the whole file into memory as mono samples at the file's sample rate.
    public func decode(contentsOf url: URL) throws -> AudioBuffer {
        let reader = try AudioFileReader(url: url, limits: limits)
        guard reader.info.duration <= limits.maxDuration else {
            throw AudioError.tooLong(file: url.path, seconds: reader.info.duration, maximumSeconds: limits.maxDuration)
        }
        var samples: [Float] = []
        // The header's frame count is a claim (a 100-byte FLAC can declare hours): reserve at most what a minute
        // at 48 kHz needs and let the array grow with the frames actually read.
        samples.reserveCapacity(min(reader.info.frames, Self.maximumUpfrontReservation))
        while reader.remaining > 0 {
            try reader.readMono(maxFrames: chunkFrames, appendingTo: &samples)
        }
        return try AudioBuffer(samples: samples, sampleRate: reader.info.sampleRate)
    }
}
