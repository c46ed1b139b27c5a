import CSndFile
import Foundation

/// A chunked reader over one audio file (libsndfile): reads a bounded number of frames at a time and mixes
/// them to mono, so files of any length are processed in bounded memory.
///
/// Not thread-safe: one reader belongs to one task. The file is closed when the reader is released.
public final class AudioFileReader {
    /// What the header says.
    public struct Info: Sendable, Equatable {
        public var frames: Int
        public var sampleRate: Int
        public var channels: Int
        /// libsndfile's major format (container), e.g. `SF_FORMAT_WAV`.
        public var container: Int32
        /// libsndfile's subtype (encoding), e.g. `SF_FORMAT_PCM_16`.
        public var encoding: Int32
        public var duration: Double { Double(frames) / Double(sampleRate) }
    }

    public let path: String
    public let info: Info
    public let limits: AudioDecoder.Limits
    private let handle: OpaquePointer
    /// Interleaved scratch for one chunk; kept to avoid an allocation per chunk.
    private var interleaved: [Float] = []
    /// Frames delivered so far (for error messages that point at a frame).
    public private(set) var position = 0

    /// Opens `url` and validates its header against `limits` (sample rate, channels; zero frames is an error).
    public init(url: URL, limits: AudioDecoder.Limits = .init()) throws {
        try FuseError.requireFile(url)
        path = url.path
        self.limits = limits
        var sfInfo = SF_INFO()
        guard let opened = sf_open(url.path, Int32(SFM_READ), &sfInfo) else {
            let reason = String(cString: sf_strerror(nil))
            throw AudioError.unsupportedFormat(file: url.path, reason: reason)
        }
        handle = opened
        info = Info(
            frames: Int(sfInfo.frames), sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels),
            container: sfInfo.format & Int32(SF_FORMAT_TYPEMASK),
            encoding: sfInfo.format & Int32(SF_FORMAT_SUBMASK))
        do {
            guard limits.sampleRates.contains(info.sampleRate) else {
                throw AudioError.sampleRateOutOfRange(file: path, rate: info.sampleRate, allowed: limits.sampleRates)
            }
            guard info.channels >= 1, info.channels <= limits.maxChannels else {
                throw AudioError.channelCountOutOfRange(
                    file: path, channels: info.channels,
                    maximum: limits.maxChannels)
            }
            guard info.frames > 0 else { throw AudioError.noFrames(file: path) }
            // Integer PCM is scaled to [-1, 1) (÷ 2^(bits−1)), as soundfile and torchaudio do.
            sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        } catch {
            sf_close(handle)
            throw error
        }
    }

    deinit { sf_close(handle) }

    /// Frames not yet read.
    public var remaining: Int { info.frames - position }

    /// Moves to frame `frame` (0-based) of the file.
    public func seek(toFrame frame: Int) throws {
        guard frame >= 0, frame <= info.frames else {
            throw AudioError.invalidOption(name: "seek", reason: "frame \(frame) outside 0…\(info.frames) of \(path)")
        }
        guard sf_seek(handle, sf_count_t(frame), SEEK_SET) >= 0 else {
            throw AudioError.corrupt(
                file: path,
                reason: "cannot seek to frame \(frame): "
                    + String(cString: sf_strerror(handle)))
        }
        position = frame
    }

    /// Reads up to `maxFrames` frames, mixes them to mono by averaging the channels and appends them to `output`.
    /// Returns the number of frames read (0 at the end of the file).
    @discardableResult
    public func readMono(maxFrames: Int, appendingTo output: inout [Float]) throws -> Int {
        let want = min(maxFrames, remaining)
        guard want > 0 else { return 0 }
        let channels = info.channels
        let start = output.count
        var got = 0
        // No `reserveCapacity(start + want)` here: called once per chunk on a growing array it reallocates to the
        // exact size every time (copying everything read so far); `append` grows geometrically.
        if channels == 1 {
            output.append(contentsOf: repeatElement(0, count: want))
            got = output.withUnsafeMutableBufferPointer { out in
                Int(sf_readf_float(handle, out.baseAddress! + start, sf_count_t(want)))
            }
        } else {
            if interleaved.count < want * channels { interleaved = [Float](repeating: 0, count: want * channels) }
            got = interleaved.withUnsafeMutableBufferPointer { buf in
                Int(sf_readf_float(handle, buf.baseAddress!, sf_count_t(want)))
            }
            output.append(contentsOf: repeatElement(0, count: got))
            interleaved.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { out in
                    Self.mix(src.baseAddress!, channels: channels, frames: got, into: out.baseAddress! + start)
                }
            }
        }
        if got < want {
            output.removeLast(output.count - start - max(got, 0))
            let reason = sf_error(handle) != 0 ? String(cString: sf_strerror(handle)) : "file ends early"
            throw AudioError.corrupt(
                file: path,
                reason: "read \(position + max(got, 0)) of \(info.frames) frames; "
                    + reason)
        }
        try checkFinite(&output, from: start)
        position += got
        return got
    }

    /// Averages interleaved channels; the sum runs in channel order and divides once, like `numpy.mean`.
    private static func mix(
        _ src: UnsafePointer<Float>, channels: Int, frames: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let scale = Float(channels)
        if channels == 2 {
            for i in 0..<frames { out[i] = (src[2 * i] + src[2 * i + 1]) / 2 }
            return
        }
        for i in 0..<frames {
            var sum: Float = 0
            let row = src + i * channels
            for c in 0..<channels { sum += row[c] }
            out[i] = sum / scale
        }
    }

    /// Replaces or reports NaN/Inf in `samples[from...]`.
    private func checkFinite(_ samples: inout [Float], from: Int) throws {
        let replace = limits.nonFinite == .replaceWithZero
        let bad: Int? = samples.withUnsafeMutableBufferPointer { buf in
            for i in from..<buf.count where !buf[i].isFinite {
                if replace { buf[i] = 0 } else { return i - from }
            }
            return nil
        }
        if let bad {
            samples.removeLast(samples.count - from)
            throw AudioError.nonFiniteSample(file: path, frame: position + bad)
        }
    }
}
