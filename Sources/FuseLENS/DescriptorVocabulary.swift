import Foundation
import FuseCore

/// A list of descriptors (tags or attributes) to score an image against: one entry per line of a text file.
///
/// Lines are trimmed; empty lines and lines starting with `#` are skipped; repeated entries are kept once
/// (the first occurrence) and reported in `duplicates`.
public struct DescriptorVocabulary: Sendable, Equatable {
    /// A name for messages and cache keys (usually the file name).
    public let name: String
    /// The entries, in file order, without duplicates.
    public let entries: [String]
    /// Entries that appeared more than once (each listed once).
    public let duplicates: [String]

    public init(name: String, lines: [String]) throws {
        var seen = Set<String>(), kept: [String] = [], repeated: [String] = []
        for raw in lines {
            let entry = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            if seen.insert(entry).inserted {
                kept.append(entry)
            } else if !repeated.contains(entry) {
                repeated.append(entry)
            }
        }
        guard !kept.isEmpty else { throw LENSError.emptyVocabulary(name: name) }
        self.name = name
        entries = kept
        duplicates = repeated
    }

    /// Reads a vocabulary file (UTF-8, one entry per line).
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try FileContents.utf8String(at: url)
        } catch {
            throw LENSError.unreadableVocabulary(path: url.path, reason: FileErrorReason.describe(error))
        }
        try self.init(name: url.lastPathComponent, lines: text.components(separatedBy: .newlines))
    }

    /// The default tag vocabulary: concrete nouns from WordNet 3.0 (see `Vocabularies/WORDNET-LICENSE`).
    public static func defaultTags() throws -> DescriptorVocabulary {
        try bundled("tags")
    }

    /// The default attribute vocabulary: descriptive adjectives from WordNet 3.0.
    public static func defaultAttributes() throws -> DescriptorVocabulary {
        try bundled("attributes")
    }

    private static func bundled(_ name: String) throws -> DescriptorVocabulary {
        guard
            let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Vocabularies")
                ?? Bundle.module.url(forResource: name, withExtension: "txt")
        else {
            throw LENSError.unreadableVocabulary(path: "\(name).txt", reason: "the bundled vocabulary is missing")
        }
        return try DescriptorVocabulary(contentsOf: url)
    }

    /// A stable 64-bit FNV-1a digest of the entries (used in cache file names; the cache also stores the
    /// entries themselves and compares them, so a collision cannot return wrong embeddings).
    public var digest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in entries.joined(separator: "\n").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
