import Foundation

/// A Hugging Face model named as `org/name`, optionally pinned as `org/name@revision` (a branch, tag or commit).
///
/// The one place that reads that spelling: the cache lookup, `fuse pull`, the `--download` resolvers and the names
/// given to cached models all go through it.
public struct RepositoryReference: Sendable, Equatable, CustomStringConvertible {
    /// `org/name`.
    public let repository: String
    /// The revision after `@`, or nil when none was named.
    public let pinnedRevision: String?

    /// Reads `spec`; nil unless it is `org/name[@revision]` with both parts made of letters, digits, `-`, `_` and `.`
    /// (neither empty, `.`, `..`, nor starting with `-`) and a non-empty revision after `@`.
    public init?(_ spec: String) {
        let parts = spec.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let id = parts[0]
        let revision = parts.count == 2 ? parts[1] : nil
        if let revision, revision.isEmpty { return nil }
        let components = id.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        let valid =
            components.count == 2
            && components.allSatisfy { part in
                !part.isEmpty && part != "." && part != ".." && !part.hasPrefix("-")
                    && part.unicodeScalars.allSatisfy { allowed.contains($0) }
            }
        guard valid else { return nil }
        repository = id
        pinnedRevision = revision
    }

    /// The revision to resolve: the pinned one, else `main`.
    public var revision: String { pinnedRevision ?? "main" }

    /// The repository's own name (`name` of `org/name`): what a cached model is called in outputs, since its snapshot
    /// folder is named by a commit hash.
    public var name: String { String(repository.split(separator: "/").last ?? Substring(repository)) }

    public var description: String { pinnedRevision.map { repository + "@" + $0 } ?? repository }
}
