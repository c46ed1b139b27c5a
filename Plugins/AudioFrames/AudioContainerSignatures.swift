import FuseCore

/// The magic bytes of every container libsndfile reads, checked against a file's first bytes (the registry reads
/// 64). Each entry names its libsndfile major format, so a container the linked libsndfile cannot read is never
/// claimed (`SndFileFormats`).
///
/// Distinctive headers (four or more fixed bytes, often a second marker at offset 8) make a `.definite` verdict.
/// Weak ones — MATLAB 4/5 headers (any MATLAB file has them), MIDI sample dumps (`F0 7E`), Akai MPC 2000 (`01 04`)
/// and a bare MPEG audio frame header — only make `.possible`, so an extension or another plugin's signature wins
/// over them. HTK files have no magic number at all and are claimed by extension only.
enum AudioContainerSignatures {
    struct Entry: Sendable {
        /// libsndfile's major format this header belongs to.
        let major: Int32
        let verdict: SniffVerdict
        let matches: @Sendable ([UInt8]) -> Bool
    }

    /// Fixed bytes at an offset.
    static func at(_ offset: Int, _ ascii: String) -> @Sendable ([UInt8]) -> Bool {
        let signature = MagicSignature(offset: offset, ascii: ascii)
        return { signature.matches($0) }
    }

    static func at(_ offset: Int, bytes: [UInt8]) -> @Sendable ([UInt8]) -> Bool {
        let signature = MagicSignature(offset: offset, bytes: bytes)
        return { signature.matches($0) }
    }

    /// Sony Wave64: the `riff` GUID, then (after the 8-byte size) the `wave` GUID.
    static let w64Riff: [UInt8] = [
        0x72, 0x69, 0x66, 0x66, 0x2E, 0x91, 0xCF, 0x11,
        0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00,
    ]
    static let w64Wave: [UInt8] = [
        0x77, 0x61, 0x76, 0x65, 0xF3, 0xAC, 0xD3, 0x11,
        0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A,
    ]

    static let entries: [Entry] = {
        func definite(_ major: Int32, _ test: @escaping @Sendable ([UInt8]) -> Bool) -> Entry {
            Entry(major: major, verdict: .definite, matches: test)
        }
        func possible(_ major: Int32, _ test: @escaping @Sendable ([UInt8]) -> Bool) -> Entry {
            Entry(major: major, verdict: .possible, matches: test)
        }
        let wave = at(8, "WAVE"), riff = at(0, "RIFF"), rifx = at(0, "RIFX"), form = at(0, "FORM")
        let aiff = at(8, "AIFF"), aifc = at(8, "AIFC"), svx8 = at(8, "8SVX"), svx16 = at(8, "16SV")
        return [
            definite(SndFileFormats.wav) { (riff($0) || rifx($0)) && wave($0) },
            definite(SndFileFormats.rf64) { at(0, "RF64")($0) && wave($0) },
            definite(SndFileFormats.aiff) { form($0) && (aiff($0) || aifc($0)) },
            definite(SndFileFormats.svx) { form($0) && (svx8($0) || svx16($0)) },
            definite(SndFileFormats.au) { at(0, ".snd")($0) || at(0, "dns.")($0) },
            definite(SndFileFormats.flac, at(0, "fLaC")),
            definite(SndFileFormats.ogg, at(0, "OggS")),
            definite(SndFileFormats.caf) { at(0, "caff")($0) && at(8, "desc")($0) },
            definite(SndFileFormats.w64) { at(0, bytes: w64Riff)($0) && at(24, bytes: w64Wave)($0) },
            definite(SndFileFormats.voc, at(0, "Creative Voice File")),
            definite(SndFileFormats.nist, at(0, "NIST_1A")),
            definite(SndFileFormats.paf) { at(0, " paf")($0) || at(0, "fap ")($0) },
            definite(SndFileFormats.wve, at(0, "ALawSoundFile")),
            definite(SndFileFormats.avr, at(0, "2BIT")),
            definite(SndFileFormats.xi, at(0, "Extended Instrument")),
            definite(SndFileFormats.pvf, at(0, "PVF1")),
            definite(SndFileFormats.ircam, isIRCAM),
            // An ID3v2 tag: libsndfile skips it and reads what follows (MP3, but FLAC and WAV too). Its MPEG
            // support is the condition: before MPEG decoding, tagged files were almost always MP3.
            definite(SndFileFormats.mpeg, isID3v2),
            possible(SndFileFormats.mpeg, isMPEGFrame),
            possible(SndFileFormats.mat5, at(0, "MATLAB 5.0 MAT-file")),
            possible(SndFileFormats.mat4, isMAT4),
            possible(SndFileFormats.sds) { $0.count >= 4 && $0[0] == 0xF0 && $0[1] == 0x7E && $0[3] == 0x01 },
            possible(SndFileFormats.mpc2k) { $0.count >= 2 && $0[0] == 0x01 && $0[1] == 0x04 },
        ]
    }()

    /// The leading bytes of each distinctive header, for `PluginClaims.signatures` (listings); `sniff` applies
    /// the full checks (second markers, masks).
    static func listedSignatures(formats: SndFileFormats) -> [MagicSignature] {
        let table: [(Int32, [String])] = [
            (SndFileFormats.wav, ["RIFF", "RIFX"]), (SndFileFormats.rf64, ["RF64"]), (SndFileFormats.aiff, ["FORM"]),
            (SndFileFormats.au, [".snd", "dns."]), (SndFileFormats.flac, ["fLaC"]), (SndFileFormats.ogg, ["OggS"]),
            (SndFileFormats.caf, ["caff"]), (SndFileFormats.voc, ["Creative Voice File"]),
            (SndFileFormats.nist, ["NIST_1A"]), (SndFileFormats.paf, [" paf", "fap "]),
            (SndFileFormats.wve, ["ALawSoundFile"]), (SndFileFormats.avr, ["2BIT"]),
            (SndFileFormats.xi, ["Extended Instrument"]), (SndFileFormats.pvf, ["PVF1"]),
            (SndFileFormats.mpeg, ["ID3"]),
        ]
        var result = table.filter { formats.contains(major: $0.0) }.flatMap { $0.1.map { MagicSignature(ascii: $0) } }
        if formats.contains(major: SndFileFormats.w64) { result.append(MagicSignature(bytes: w64Riff)) }
        return result
    }

    /// The strongest verdict of a readable container's header on `prefix`.
    static func sniff(_ prefix: [UInt8], formats: SndFileFormats) -> SniffVerdict {
        var verdict = SniffVerdict.no
        for entry in entries where entry.matches(prefix) && formats.contains(major: entry.major) {
            if entry.verdict == .definite { return .definite }
            verdict = entry.verdict
        }
        return verdict
    }

    /// Berkeley/IRCAM/CARL: `64 A3 0n 00` (big-endian) or `00 0n A3 64` (little-endian), n < 8.
    @Sendable static func isIRCAM(_ p: [UInt8]) -> Bool {
        guard p.count >= 4 else { return false }
        return (p[0] == 0x64 && p[1] == 0xA3 && p[2] & 0xF8 == 0 && p[3] == 0)
            || (p[0] == 0 && p[1] & 0xF8 == 0 && p[2] == 0xA3 && p[3] == 0x64)
    }

    /// `ID3`, version 2–4, a revision byte, flags, and a 28-bit "syncsafe" size (high bits clear).
    @Sendable static func isID3v2(_ p: [UInt8]) -> Bool {
        guard p.count >= 10, p[0] == 0x49, p[1] == 0x44, p[2] == 0x33 else { return false }
        return (2...4).contains(p[3]) && p[4] != 0xFF && p[6..<10].allSatisfy { $0 & 0x80 == 0 }
    }

    /// An MPEG-1/2/2.5 audio frame header at offset 0: 11 sync bits, a defined version and layer, a bitrate index
    /// that is neither free (0) nor bad (15) and a defined sample rate.
    @Sendable static func isMPEGFrame(_ p: [UInt8]) -> Bool {
        guard p.count >= 4, p[0] == 0xFF, p[1] & 0xE0 == 0xE0 else { return false }
        let version = (p[1] >> 3) & 3, layer = (p[1] >> 1) & 3
        let bitrate = p[2] >> 4, rate = (p[2] >> 2) & 3
        return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 && rate != 3
    }

    /// libsndfile's MAT4 header: a 1 × 1 double named for the sample rate, big- or little-endian.
    @Sendable static func isMAT4(_ p: [UInt8]) -> Bool {
        let big: [UInt8] = [0, 0, 0x03, 0xE8, 0, 0, 0, 1, 0, 0, 0, 1]
        let little: [UInt8] = [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]
        return p.starts(with: big) || p.starts(with: little)
    }
}
