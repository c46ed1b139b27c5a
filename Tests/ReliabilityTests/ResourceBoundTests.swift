import AudioFrames
import Foundation
import FuseCore
@testable import FuseTokenizers
import ImagePatch
import Testing

/// Each resource bound is configurable and refuses an input just over it (and accepts one exactly at it), before
/// allocating for the input.
@Suite("Reliability: resource bounds")
struct ResourceBoundTests {
    // MARK: Images

    /// grey8.png is 37×29 = 1,073 pixels.
    @Test("image pixel limit: 37×29 decodes at maxPixels 1073 and is refused at 1072")
    func imagePixels() throws {
        let url = ReliabilityFixtures.url("image/decode/grey8.png")
        let image = try ImageDecoder(maxPixels: 37 * 29).decode(contentsOf: url)
        #expect(image.width == 37 && image.height == 29)
        #expect(throws: ImageError.tooManyPixels(file: url.path, width: 37, height: 29, limit: 37 * 29 - 1)) {
            _ = try ImageDecoder(maxPixels: 37 * 29 - 1).decode(contentsOf: url)
        }
        let jpeg = ReliabilityFixtures.url("image/decode/astronaut_444.jpg")
        #expect(throws: ImageError.tooManyPixels(file: jpeg.path, width: 96, height: 64, limit: 96 * 64 - 1)) {
            _ = try ImageDecoder(maxPixels: 96 * 64 - 1).decode(contentsOf: jpeg)
        }
    }

    // MARK: Audio

    /// pcm16_22k_stereo.wav: 2 channels, 2,646 frames at 22,050 Hz (0.12 s).
    @Test("audio channel limit: a stereo file is refused at maxChannels 1")
    func audioChannels() throws {
        let url = ReliabilityFixtures.url("audio/files/pcm16_22k_stereo.wav")
        _ = try AudioDecoder(limits: .init(maxChannels: 2)).decode(contentsOf: url)
        #expect(throws: AudioError.channelCountOutOfRange(file: url.path, channels: 2, maximum: 1)) {
            _ = try AudioDecoder(limits: .init(maxChannels: 1)).decode(contentsOf: url)
        }
    }

    @Test("audio duration limit: 0.12 s decodes at maxDuration 0.12 s and is refused just below")
    func audioDuration() throws {
        let url = ReliabilityFixtures.url("audio/files/pcm16_22k_stereo.wav")
        let seconds = 2646.0 / 22050
        let audio = try AudioDecoder(limits: .init(maxDuration: seconds)).decode(contentsOf: url)
        #expect(audio.samples.count == 2646)
        #expect(throws: AudioError.tooLong(file: url.path, seconds: seconds, maximumSeconds: seconds.nextDown)) {
            _ = try AudioDecoder(limits: .init(maxDuration: seconds.nextDown)).decode(contentsOf: url)
        }
    }

    /// A 1 KB FLAC whose header claims 2.9 hours at 655,350 Hz (tools/reference/reliability_fixtures.py). Before the
    /// fix, `decode` reserved the claimed 6.8·10⁹ samples up front (27 GB) and the process died; now it reads the
    /// 2,205 frames that exist and reports the file as truncated.
    @Test("a header claiming hours of audio does not allocate them: truncated-file error")
    func claimedFramesAreNotReserved() throws {
        let url = ReliabilityFixtures.reproducer("flac_claims_hours.flac")
        let reader = try AudioFileReader(url: url)
        #expect(reader.info.frames == 6_841_854_000 && reader.info.sampleRate == 655_350)
        #expect {
            _ = try AudioDecoder().decode(contentsOf: url)
        } throws: { error in
            guard case AudioError.corrupt(let file, _) = error else { return false }
            return file == url.path
        }
    }

    // MARK: Text

    @Test("tokenizer input length: a text one byte over maxInputBytes is refused by encode and encodeBatch")
    func tokenizerInputLength() throws {
        var tokenizer = try Tokenizer.load(from: ReliabilityFixtures.url("text/minilm/tokenizer.json"))
        #expect(tokenizer.maxInputBytes == Tokenizer.defaultMaxInputBytes)
        let text = "A man is eating food."  // 21 bytes
        tokenizer.maxInputBytes = 21
        #expect(try tokenizer.encode(text).ids.count > 2)
        tokenizer.maxInputBytes = 20
        #expect(throws: TokenizerError.inputTooLong(bytes: 21, limit: 20)) { _ = try tokenizer.encode(text) }
        #expect(throws: TokenizerError.inputTooLong(bytes: 21, limit: 20)) {
            _ = try tokenizer.encodeBatch(["short", text])
        }
        #expect(throws: TokenizerError.inputTooLong(bytes: 21, limit: 20)) { _ = try tokenizer.modelIDsBatch([text]) }
    }

    /// The CLIP merges fixture inflates to 3,194,984 bytes; a limit one byte smaller refuses it.
    @Test("gzip inflation limit: CLIP's merges inflate at their size and are refused one byte below")
    func gzipBomb() throws {
        let url = ReliabilityFixtures.url("text/clip/bpe_simple_vocab_16e6.txt.gz")
        let compressed = try Data(contentsOf: url)
        let size = try gunzip(compressed, path: url.path).count
        #expect(size == 3_194_984)
        #expect(try gunzip(compressed, path: url.path, limit: size).count == size)
        #expect {
            _ = try gunzip(compressed, path: url.path, limit: size - 1)
        } throws: { error in
            guard case TokenizerError.unreadable(let path, let reason) = error else { return false }
            return path == url.path && reason.contains("decompression bomb")
        }
    }

    // MARK: Safetensors

    /// A minimal file: an 8-byte length, then the JSON header `{}` padded with spaces to `length` bytes.
    static func safetensors(headerLength: Int) throws -> URL {
        var bytes = withUnsafeBytes(of: UInt64(headerLength).littleEndian) { Data($0) }
        bytes.append(Data("{}".utf8) + Data(repeating: 0x20, count: headerLength - 2))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fuse-rel-\(UUID().uuidString).safetensors")
        try bytes.write(to: url)
        return url
    }

    @Test("safetensors header limit: a 64-byte header opens at limit 64 and is refused at 63")
    func safetensorsHeader() throws {
        let url = try Self.safetensors(headerLength: 64)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try SafetensorsFile(url: url, maximumHeaderLength: 64).names.isEmpty)
        #expect(throws: SafetensorsError.headerTooLarge(path: url.path, headerLength: 64, limit: 63)) {
            _ = try SafetensorsFile(url: url, maximumHeaderLength: 63)
        }
        #expect(SafetensorsFile.defaultMaximumHeaderLength == 100_000_000)
    }
}
