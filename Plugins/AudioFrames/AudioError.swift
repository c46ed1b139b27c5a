import Foundation

/// Errors raised while decoding audio, computing features or reading an audio recipe.
///
/// Every case names the file (or the option) involved and says what is wrong with it.
public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libsndfile could not open the file: not audio, an unsupported container/codec, or a broken header.
    case unsupportedFormat(file: String, reason: String)
    /// The file opened but reading its samples failed part-way (truncated or corrupt data).
    case corrupt(file: String, reason: String)
    /// The file holds no audio frames.
    case noFrames(file: String)
    /// A decoded sample is NaN or infinite (and the caller did not ask to replace such samples by zero).
    case nonFiniteSample(file: String, frame: Int)
    /// The header's sample rate is outside the accepted range.
    case sampleRateOutOfRange(file: String, rate: Int, allowed: ClosedRange<Int>)
    /// The header's channel count is zero or above the accepted maximum.
    case channelCountOutOfRange(file: String, channels: Int, maximum: Int)
    /// The file is longer than the decoder accepts in one piece.
    case tooLong(file: String, seconds: Double, maximumSeconds: Double)
    /// The audio is shorter than one analysis frame, so no feature frame can be formed.
    case shorterThanOneFrame(what: String, samples: Int, frameLength: Int)
    /// A feature or resampling option is outside what the algorithm accepts.
    case invalidOption(name: String, reason: String)
    /// A preprocessor configuration (or recipe) is missing a field or holds a bad value.
    case invalidRecipe(source: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let file, let reason):
            return "\(file): not a readable audio file: \(reason)"
        case .corrupt(let file, let reason):
            return "\(file): corrupt audio data: \(reason)"
        case .noFrames(let file):
            return "\(file): the audio has zero frames"
        case .nonFiniteSample(let file, let frame):
            return "\(file): sample at frame \(frame) is NaN or infinite "
                + "(pass nonFinite: .replaceWithZero to decode such files anyway)"
        case .sampleRateOutOfRange(let file, let rate, let allowed):
            return "\(file): sample rate \(rate) Hz is outside \(allowed.lowerBound)…\(allowed.upperBound) Hz"
        case .channelCountOutOfRange(let file, let channels, let maximum):
            return "\(file): \(channels) channels; expected 1…\(maximum)"
        case .tooLong(let file, let seconds, let maximumSeconds):
            return "\(file): \(String(format: "%.1f", seconds)) s of audio exceeds the in-memory limit of "
                + "\(String(format: "%.1f", maximumSeconds)) s; use AudioStream for long audio"
        case .shorterThanOneFrame(let what, let samples, let frameLength):
            return "\(what): \(samples) samples is shorter than one analysis frame of \(frameLength) samples"
        case .invalidOption(let name, let reason):
            return "option \(name): \(reason)"
        case .invalidRecipe(let source, let reason):
            return "\(source): invalid audio recipe: \(reason)"
        }
    }
}
