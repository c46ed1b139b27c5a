import CSndFile

/// The containers (libsndfile "major formats") and encodings the linked libsndfile reads, asked of the library at
/// run time (`SFC_GET_FORMAT_MAJOR_COUNT` / `SFC_GET_FORMAT_MAJOR`, and the same for subtypes), so the audio plugin
/// claims exactly what the installed libsndfile can decode: a build with MPEG or Opus support gains `.mp3` or
/// `.opus`, one without them does not.
///
/// ```swift
/// SndFileFormats.linked.contains(major: SndFileFormats.mpeg)   // MP3 decoding available?
/// SndFileFormats.linked.extensions                              // ["aiff", "aif", "aifc", "au", "snd", …]
/// ```
public struct SndFileFormats: Sendable, Equatable {
    /// One container as libsndfile lists it.
    public struct Container: Sendable, Equatable {
        /// `SF_FORMAT_*` major format code, e.g. `0x030000` for AU.
        public var code: Int32
        /// libsndfile's description, e.g. `"AU (Sun/NeXT)"`.
        public var name: String
        /// libsndfile's extension for it, e.g. `"au"`.
        public var fileExtension: String

        public init(code: Int32, name: String, fileExtension: String) {
            self.code = code
            self.name = name
            self.fileExtension = fileExtension
        }
    }

    /// Major format codes the plugin's sniffing and extension aliases refer to (sndfile.h's values).
    public static let wav: Int32 = 0x01_0000, aiff: Int32 = 0x02_0000, au: Int32 = 0x03_0000
    public static let raw: Int32 = 0x04_0000, paf: Int32 = 0x05_0000, svx: Int32 = 0x06_0000
    public static let nist: Int32 = 0x07_0000, voc: Int32 = 0x08_0000, ircam: Int32 = 0x0A_0000
    public static let w64: Int32 = 0x0B_0000, mat4: Int32 = 0x0C_0000, mat5: Int32 = 0x0D_0000
    public static let pvf: Int32 = 0x0E_0000, xi: Int32 = 0x0F_0000, htk: Int32 = 0x10_0000
    public static let sds: Int32 = 0x11_0000, avr: Int32 = 0x12_0000, wavex: Int32 = 0x13_0000
    public static let sd2: Int32 = 0x16_0000, flac: Int32 = 0x17_0000, caf: Int32 = 0x18_0000
    public static let wve: Int32 = 0x19_0000, ogg: Int32 = 0x20_0000, mpc2k: Int32 = 0x21_0000
    public static let rf64: Int32 = 0x22_0000, mpeg: Int32 = 0x23_0000
    /// The Opus encoding (`SF_FORMAT_OPUS`), read inside OGG.
    public static let opusEncoding: Int32 = 0x0064

    /// Every readable container, in libsndfile's order. RAW (header-less) is left out: libsndfile opens it only
    /// when told the encoding, rate and channels, so no file can be read as RAW by content or name.
    public var containers: [Container]
    /// Encoding (`SF_FORMAT_*` subtype) codes libsndfile lists.
    public var encodings: Set<Int32>

    public init(containers: [Container], encodings: Set<Int32>) {
        self.containers = containers.filter { $0.code != Self.raw }
        self.encodings = encodings
    }

    /// What the libsndfile this process links reads; asked once.
    public static let linked = SndFileFormats(containers: queryContainers(), encodings: queryEncodings())

    public func contains(major code: Int32) -> Bool { containers.contains { $0.code == code } }

    /// Lower-case extensions without the dot for every readable container: libsndfile's own, then the other
    /// names such files usually carry (`aif`/`aifc`, `snd`, `sph`, `mp3`, `opus` when Opus decodes, …).
    public var extensions: [String] {
        var result: [String] = []
        for container in containers {
            for ext in [container.fileExtension.lowercased()] + aliases(of: container.code)
            where !ext.isEmpty && !result.contains(ext) {
                result.append(ext)
            }
        }
        return result
    }

    /// Other usual extensions of a container's files.
    func aliases(of code: Int32) -> [String] {
        switch code {
        case Self.wav, Self.wavex: return ["wav", "wave"]
        case Self.aiff: return ["aiff", "aif", "aifc"]
        case Self.au: return ["au", "snd"]
        case Self.nist: return ["sph", "nist"]
        case Self.svx: return ["iff", "svx", "8svx", "16sv"]
        case Self.ircam: return ["sf", "ircam"]
        case Self.ogg: return ["oga", "ogg"] + (encodings.contains(Self.opusEncoding) ? ["opus"] : [])
        case Self.mpeg: return ["mp3", "mp2", "mp1", "m1a", "m2a", "mpga"]
        default: return []
        }
    }

    /// MIME types of the common containers that are readable.
    public var mimeTypes: [String] {
        let table: [(Int32, [String])] = [
            (Self.wav, ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"]),
            (Self.flac, ["audio/flac", "audio/x-flac"]), (Self.ogg, ["audio/ogg"]),
            (Self.aiff, ["audio/aiff", "audio/x-aiff"]), (Self.au, ["audio/basic"]), (Self.caf, ["audio/x-caf"]),
            (Self.mpeg, ["audio/mpeg"]), (Self.voc, ["audio/x-voc"]),
        ]
        var result = table.filter { contains(major: $0.0) }.flatMap(\.1)
        if encodings.contains(Self.opusEncoding), contains(major: Self.ogg) { result.append("audio/opus") }
        return result
    }

    private static func queryContainers() -> [Container] {
        var count: Int32 = 0
        sf_command(nil, Int32(SFC_GET_FORMAT_MAJOR_COUNT), &count, Int32(MemoryLayout<Int32>.size))
        return (0..<max(count, 0)).compactMap { index in
            var info = SF_FORMAT_INFO()
            info.format = index
            guard sf_command(nil, Int32(SFC_GET_FORMAT_MAJOR), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0
            else { return nil }
            return Container(
                code: info.format & Int32(SF_FORMAT_TYPEMASK),
                name: info.name.map { String(cString: $0) } ?? "",
                fileExtension: info.extension.map { String(cString: $0) } ?? "")
        }
    }

    private static func queryEncodings() -> Set<Int32> {
        var count: Int32 = 0
        sf_command(nil, Int32(SFC_GET_FORMAT_SUBTYPE_COUNT), &count, Int32(MemoryLayout<Int32>.size))
        return Set(
            (0..<max(count, 0)).compactMap { index in
                var info = SF_FORMAT_INFO()
                info.format = index
                guard
                    sf_command(nil, Int32(SFC_GET_FORMAT_SUBTYPE), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0
                else { return nil }
                return info.format & Int32(SF_FORMAT_SUBMASK)
            })
    }
}
