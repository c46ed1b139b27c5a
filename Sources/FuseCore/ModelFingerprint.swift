import Foundation

/// A cheap identity for a model folder, used to key vocabulary caches: the folder name plus a 64-bit FNV-1a digest of
/// its configuration and tokenizer files and, for each weight file, its size and first and last MiB.
///
/// Why not the folder name alone: two folders called `clip`, or a retrained `fuse-mini` in place, would otherwise
/// share cached text embeddings that belong to other weights. Why not a hash of every weight: a 1 GB checkpoint
/// would be read in full on every start. Retrained weights differ in their first tensors, so the sampled bytes
/// change with them.
///
/// Used by FuseLENS's vocabulary caches and by FuseIndex to tell which model's space stored vectors live in.
public enum ModelFingerprint {
    /// Bytes sampled from each end of a weight file.
    public static let sample = 1 << 20

    /// `name-digest` for the model folder `directory` (symlinks resolved for the digest, not the name).
    public static func id(of directory: URL) -> String {
        let name = directory.standardizedFileURL.lastPathComponent
        // A symlinked model folder (models/all-MiniLM-L6-v2 often is) must be hashed by what it points to.
        let resolved = directory.resolvingSymlinksInPath()
        var hasher = FNV1a()
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: resolved.path)) ?? []
        for relative in files.sorted() {
            let url = resolved.appendingPathComponent(relative)
            let lower = relative.lowercased()
            if lower.hasSuffix(".safetensors") || lower.hasSuffix(".bin") || lower.hasSuffix(".pth") {
                hasher.add(Array(relative.utf8))
                hasher.add(weightSample(url))
            } else if lower.hasSuffix(".json") || lower.hasSuffix(".txt") || lower.hasSuffix(".model") {
                hasher.add(Array(relative.utf8))
                hasher.add(Array((try? FileContents.data(at: url)) ?? Data()))
            }
        }
        return "\(name)-\(String(hasher.value, radix: 16))"
    }

    /// Size, first and last `sample` bytes of a file (empty when unreadable: the load itself reports that).
    static func weightSample(_ url: URL) -> [UInt8] {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        var bytes = withUnsafeBytes(of: size.littleEndian) { Array($0) }
        try? handle.seek(toOffset: 0)
        bytes += Array((try? handle.read(upToCount: sample)) ?? Data())
        if size > UInt64(2 * sample) {
            try? handle.seek(toOffset: size - UInt64(sample))
            bytes += Array((try? handle.read(upToCount: sample)) ?? Data())
        }
        return bytes
    }
}

/// 64-bit FNV-1a, for cache keys (never for security).
public struct FNV1a: Sendable {
    /// The digest so far.
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// Adds `bytes` and a separator.
    public mutating func add(_ bytes: [UInt8]) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        // A separator, so ("ab","c") and ("a","bc") differ.
        value ^= 0xff
        value = value &* 0x0000_0100_0000_01b3
    }
}
