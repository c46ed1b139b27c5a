import Foundation
import FuseTestSupport
import Testing
@testable import AudioFrames

/// Decoding parity with soundfile (libsndfile) `read(dtype="float32")` averaged over channels; tolerance 1e-6
/// (OGG/Vorbis 1e-4: soundfile bundles another libvorbis build than Debian's).
@Suite("AudioDecoder")
struct AudioDecoderTests {
    @Test("decodes like soundfile", arguments: AudioFixtures.cases("decode"))
    func decodes(_ entry: Entry) throws {
        let name = entry["file"] as! String
        let audio = try AudioDecoder(chunkFrames: 1000).decode(contentsOf: AudioFixtures.file(name))
        let expected = try AudioFixtures.floats(entry["expected"] as! String)
        #expect(audio.sampleRate == entry["rate"] as! Int)
        #expect(audio.samples.count == entry["frames"] as! Int)
        let tolerance: Float = name.hasSuffix(".ogg") ? 1e-4 : 1e-6
        #expect(maxAbsDifference(audio.samples, expected) <= tolerance, "\(name)")
    }

    @Test("reads in chunks with the same result as one read")
    func chunked() throws {
        let url = AudioFixtures.file("pcm32_48k_stereo.wav")
        let whole = try AudioDecoder(chunkFrames: 1 << 20).decode(contentsOf: url)
        let reader = try AudioFileReader(url: url)
        var pieces: [Float] = []
        while reader.remaining > 0 { try reader.readMono(maxFrames: 777, appendingTo: &pieces) }
        #expect(pieces == whole.samples)
        #expect(reader.info.channels == 2 && reader.info.sampleRate == 48_000)
    }

    @Test("refuses a file that is not audio")
    func notAudio() {
        #expect(throws: AudioError.self) { try AudioDecoder().decode(contentsOf: AudioFixtures.bad("not_audio.wav")) }
        do {
            _ = try AudioDecoder().decode(contentsOf: AudioFixtures.bad("not_audio.wav"))
        } catch let error as AudioError {
            guard case .unsupportedFormat(let file, _) = error else { Issue.record("got \(error)"); return }
            #expect(file.hasSuffix("not_audio.wav"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test("refuses a truncated header")
    func truncated() {
        #expect(throws: AudioError.self) {
            try AudioDecoder().decode(contentsOf: AudioFixtures.bad("truncated_header.wav"))
        }
    }

    @Test("refuses zero frames")
    func zeroFrames() {
        #expect(throws: AudioError.noFrames(file: AudioFixtures.bad("zero_frames.wav").path)) {
            try AudioDecoder().decode(contentsOf: AudioFixtures.bad("zero_frames.wav"))
        }
    }

    @Test("refuses NaN/Inf unless asked to zero them")
    func nonFinite() throws {
        let url = AudioFixtures.bad("nan_float.wav")
        #expect(throws: AudioError.nonFiniteSample(file: url.path, frame: AudioFixtures.manifest["nan_frame"] as! Int))
        {
            try AudioDecoder().decode(contentsOf: url)
        }
        let zeroed = try AudioDecoder(limits: .init(nonFinite: .replaceWithZero)).decode(contentsOf: url)
        #expect(zeroed.samples[100] == 0 && zeroed.samples[200] == 0)
        #expect(zeroed.samples.allSatisfy { $0.isFinite })
    }

    @Test(
        "refuses absurd sample rates and channel counts",
        arguments: ["rate_3hz.wav", "rate_2ghz.wav", "channels_1000.wav"])
    func absurdHeaders(_ name: String) {
        do {
            _ = try AudioDecoder().decode(contentsOf: AudioFixtures.bad(name))
            Issue.record("\(name) was accepted")
        } catch let error as AudioError {
            switch error {
            case .sampleRateOutOfRange(let file, _, _), .channelCountOutOfRange(let file, _, _),
                .unsupportedFormat(let file, _):
                #expect(file.hasSuffix(name))
            default: Issue.record("\(name): unexpected \(error)")
            }
        } catch { Issue.record("\(name): unexpected \(error)") }
    }

    @Test("refuses files longer than the in-memory limit, and a missing file")
    func limits() {
        let url = AudioFixtures.file("speech_22k.flac")
        #expect(throws: AudioError.self) {
            try AudioDecoder(limits: .init(maxDuration: 0.5)).decode(contentsOf: url)
        }
        #expect(throws: FuseError.self) {
            try AudioDecoder().decode(contentsOf: AudioFixtures.file("missing.wav"))
        }
    }
}
