import Foundation

/// Keeps computed ``VocabularyMapping``s on disk: a mapping depends only on the two vocabularies, so it is
/// computed once per tokenizer pair. Files are named by a SHA-256 of both vocabularies and markers and hold a
/// magic, the entry count and the base ids as little-endian Int32.
public enum VocabularyMappingCache {
    static let magic: [UInt8] = Array("FLVM0001".utf8)

    /// `$FUSE_CACHE_DIR`, else `$XDG_CACHE_HOME/fuse`, else `~/.cache/fuse`, with `vocab-mappings` appended
    /// (`CacheFolder`).
    public static func defaultDirectory() -> URL {
        CacheFolder.url(for: "vocab-mappings")
    }

    /// The cache key of a pair.
    public static func key(for pair: VocabularyPair) -> String {
        var hash = SHA256()
        hash.update("fusellm-vocab-mapping v1\n")
        for vocabulary in [pair.base, pair.source] {
            hash.update(vocabulary.marker.rawValue + "\n\(vocabulary.count)\n")
            for token in vocabulary.tokens { hash.update(token); hash.update([0]) }
        }
        return hash.finalizeHex()
    }

    /// The cached mapping of `pair` if present and intact, else computes it and stores it.
    /// - Returns: the mapping and whether it came from the cache.
    public static func mapping(
        for pair: VocabularyPair, directory: URL = defaultDirectory()
    ) throws
        -> (mapping: VocabularyMapping, cached: Bool)
    {
        let file = directory.appendingPathComponent(key(for: pair) + ".bin")
        if let values = read(file, count: pair.source.count),
            values.allSatisfy({ $0 >= 0 && Int($0) < pair.base.count })
        {
            return (VocabularyMapping(sourceToBase: values, replacedSourceTokens: pair.replacedSource), true)
        }
        let mapping = VocabularyMapping.compute(pair: pair)
        try write(mapping.sourceToBase, to: file)
        return (mapping, false)
    }

    private static func read(_ url: URL, count: Int) -> [Int32]? {
        guard let data = try? FileContents.data(at: url), data.count == magic.count + 8 + 4 * count,
            Array(data.prefix(magic.count)) == magic
        else { return nil }
        let stored = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: magic.count, as: UInt64.self) }
        guard UInt64(littleEndian: stored) == UInt64(count) else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<count).map {
                Int32(littleEndian: raw.loadUnaligned(fromByteOffset: magic.count + 8 + 4 * $0, as: Int32.self))
            }
        }
    }

    private static func write(_ values: [Int32], to url: URL) throws {
        var data = Data(magic)
        withUnsafeBytes(of: UInt64(values.count).littleEndian) { data.append(contentsOf: $0) }
        values.withUnsafeBufferPointer { buffer in
            for v in buffer { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        }
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw FuseError.writeFailed(path: url.path, reason: FileErrorReason.describe(error))
        }
    }
}
