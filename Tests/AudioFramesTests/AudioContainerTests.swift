import Foundation
import FuseTestSupport
import Testing
@testable import AudioFrames

/// Every container libsndfile reads (issue 17): small files written by soundfile (tools/reference/audio_containers.py
/// → Tests/Fixtures/audio/containers) are claimed by the audio plugin — by magic bytes when the container has them,
/// else by extension — and decode like soundfile's float32 read averaged over channels, within 1e-6.
@Suite("Audio containers")
struct AudioContainerTests {
    static let root = AudioFixtures.root.appendingPathComponent("containers")

    nonisolated(unsafe) static let manifest: [String: Any] = {
        let data = (try? Data(contentsOf: root.appendingPathComponent("manifest.json"))) ?? Data()
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }()

    static var cases: [Entry] { (manifest["cases"] as? [[String: Any]] ?? []).map(Entry.init) }

    static func prefix(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(name)).prefix(PluginRegistry.sniffLength))
    }

    /// A copy of fixture `name` under a temporary folder as `newName` (to separate content from extension).
    static func copy(_ name: String, as newName: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-containers-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(newName)
        try FileManager.default.copyItem(at: root.appendingPathComponent(name), to: url)
        return url
    }

    @Test("the fixtures cover AU, CAF, W64, RF64, VOC, MP3, Opus and the rest")
    func fixtures() {
        let containers = Set(Self.cases.compactMap { $0["container"] as? String })
        for name in ["AU", "CAF", "W64", "RF64", "VOC", "MP3", "OGG", "NIST", "IRCAM", "SVX", "HTK", "MAT5"] {
            #expect(containers.contains(name), "\(name)")
        }
    }

    @Test("decodes like soundfile", arguments: AudioContainerTests.cases)
    func decodes(_ entry: Entry) throws {
        let name = entry["file"] as! String
        let audio = try AudioDecoder(chunkFrames: 500).decode(contentsOf: Self.root.appendingPathComponent(name))
        let expected = try Data(contentsOf: Self.root.appendingPathComponent(entry["expected"] as! String))
            .withUnsafeBytes { raw in
                (0..<(raw.count / 4)).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
                }
            }
        #expect(audio.sampleRate == entry["rate"] as! Int)
        #expect(audio.samples.count == entry["frames"] as! Int)
        #expect(maxAbsDifference(audio.samples, expected) <= 1e-6, "\(name)")
    }

    @Test("the linked libsndfile reads the containers the fixtures use", arguments: AudioContainerTests.cases)
    func linked(_ entry: Entry) {
        let major = Int32(entry["major"] as! Int)
        #expect(SndFileFormats.linked.contains(major: major), "\(entry["file"]!): libsndfile lacks \(major)")
    }

    @Test("claims each file by its content, whatever its name", arguments: AudioContainerTests.cases)
    func magic(_ entry: Entry) throws {
        let name = entry["file"] as! String
        let plugin = AudioPlugin()
        let verdict = plugin.sniff(try Self.prefix(name))
        let renamed = try Self.copy(name, as: "renamed.bin")
        defer { try? FileManager.default.removeItem(at: renamed.deletingLastPathComponent()) }
        let registry = try PluginRegistry([plugin])
        switch entry["sniff"] as! String {
        case "definite":
            #expect(verdict == .definite, "\(name): \(verdict)")
            #expect(try registry.plugin(for: renamed).id == "audio-frames")
        case "possible":
            // Weak headers: claimed only when no signature or extension settles it.
            #expect(verdict == .possible, "\(name): \(verdict)")
            #expect(try registry.plugin(for: renamed).id == "audio-frames")
        default:
            #expect(verdict == .no, "\(name): \(verdict)")
            #expect(throws: FuseError.self) { try registry.plugin(for: renamed) }
        }
    }

    @Test(
        "claims each file by its extension, and decodes what the registry picked", arguments: AudioContainerTests.cases)
    func byExtension(_ entry: Entry) throws {
        let name = entry["file"] as! String
        let plugin = AudioPlugin()
        let ext = (name as NSString).pathExtension
        #expect(plugin.claims.extensions.contains(ext), "\(name): .\(ext) not claimed")
        let chosen = try PluginRegistry([plugin]).plugin(for: Self.root.appendingPathComponent(name))
        guard case .audio(let audio) = try chosen.decode(contentsOf: Self.root.appendingPathComponent(name)) else {
            Issue.record("\(name): not decoded as audio")
            return
        }
        #expect(audio.samples.count == entry["frames"] as! Int)
    }

    @Test("extensions come from libsndfile's major-format list, RAW excluded")
    func extensionsFromLibsndfile() {
        let formats = SndFileFormats.linked
        let claimed = AudioPlugin().claims.extensions
        #expect(!formats.containers.isEmpty)
        for container in formats.containers { #expect(claimed.contains(container.fileExtension), "\(container.name)") }
        #expect(!claimed.contains("raw"))
        for ext in ["wav", "flac", "ogg", "aiff", "aif", "au", "snd", "caf", "w64", "rf64", "voc"] {
            #expect(claimed.contains(ext), ".\(ext)")
        }
        #expect(claimed.contains("mp3") == formats.contains(major: SndFileFormats.mpeg))
        #expect(claimed.contains("opus") == formats.encodings.contains(SndFileFormats.opusEncoding))
        #expect(Set(claimed).count == claimed.count)
    }

    @Test("a libsndfile without MPEG support claims no MP3, by name or content")
    func followsLibsndfile() throws {
        let linked = SndFileFormats.linked
        let withoutMPEG = SndFileFormats(
            containers: linked.containers.filter { $0.code != SndFileFormats.mpeg },
            encodings: linked.encodings)
        let plugin = AudioPlugin(formats: withoutMPEG)
        #expect(!plugin.claims.extensions.contains("mp3"))
        #expect(plugin.sniff(try Self.prefix("mp3_44k.mp3")) == .no)
        #expect(plugin.sniff(try Self.prefix("mp3_id3v24.mp3")) == .no)
        #expect(plugin.sniff(try Self.prefix("au_ulaw.au")) == .definite)
        let noAU = AudioPlugin(
            formats: SndFileFormats(
                containers: linked.containers.filter { $0.code != SndFileFormats.au }, encodings: linked.encodings))
        #expect(noAU.sniff(try Self.prefix("au_ulaw.au")) == .no)
        #expect(!noAU.claims.extensions.contains("au") && !noAU.claims.extensions.contains("snd"))
    }

    @Test("weak or foreign headers are not definite")
    func weakHeaders() {
        let plugin = AudioPlugin()
        // A bare MPEG-1 Layer III frame header (128 kb/s, 44.1 kHz) is only possible; a free-format one is not even that.
        #expect(plugin.sniff([0xFF, 0xFB, 0x90, 0x44] + [UInt8](repeating: 0, count: 60)) == .possible)
        #expect(plugin.sniff([0xFF, 0xFB, 0x00, 0x44]) == .no)
        #expect(plugin.sniff(Array("MATLAB 5.0 MAT-file, Platform: GLNXA64".utf8)) == .possible)
        #expect(plugin.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}AVI LIST".utf8)) == .no)
        #expect(plugin.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .no)
        #expect(plugin.sniff(Array("FORM\u{0}\u{0}\u{0}\u{0}ILBMBMHD".utf8)) == .no)
        #expect(plugin.sniff(Array("caff\u{0}\u{1}\u{0}\u{0}free".utf8)) == .no)
        #expect(plugin.sniff(Array("riff".utf8) + [UInt8](repeating: 0, count: 40)) == .no)
        #expect(plugin.sniff(Array("ID3".utf8)) == .no)  // too short for a tag header
        #expect(plugin.sniff(Array("hello world".utf8)) == .no)
        #expect(plugin.sniff([]) == .no)
    }

    @Test("a file libsndfile cannot read under a claimed name fails with a named error")
    func claimedButBroken() throws {
        let url = try Self.copy("htk_pcm16.htk", as: "broken.au")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data("this is not audio at all".utf8).write(to: url)
        let plugin = try PluginRegistry([AudioPlugin()]).plugin(for: url)
        #expect(throws: AudioError.self) { try plugin.decode(contentsOf: url) }
    }
}
