import Foundation
import FuseCore

#if canImport(Glibc)
    import Glibc
#endif

/// The regular files under some folders, with their sizes and modification times: what an indexing run compares with
/// the index. Hidden files and folders (names starting with `.`, such as the index itself) are skipped, symbolic links
/// to folders are not followed (no cycles), and `--exclude` globs drop paths.
public struct FolderWalk: Sendable {
    /// One file found.
    public struct File: Sendable, Equatable {
        /// Absolute, standardised path.
        public var path: String
        public var size: Int64
        /// Nanoseconds since 1970.
        public var modificationTime: Int64
    }

    /// The folders (or single files) walked, as absolute standardised paths.
    public let roots: [String]
    /// `fnmatch(3)` patterns; a file is skipped when one matches its path relative to a root, its absolute path or
    /// its name (`*.tmp`, `raw/*`, `/data/x/**`).
    public let excludes: [String]

    public init(roots: [URL], excludes: [String] = []) {
        self.roots = roots.map { $0.standardizedFileURL.path }
        self.excludes = excludes
    }

    /// Every file under the roots, sorted by path, each once.
    ///
    /// - Throws: `FuseError.fileNotFound` naming a root that does not exist.
    public func files() throws -> [File] {
        var found: [String: File] = [:]
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else { throw FuseError.fileNotFound(path: root) }
            if (info.st_mode & S_IFMT) == S_IFREG {
                if let file = Self.file(root, info: info) { found[root] = file }
                continue
            }
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { continue }
            while let relative = enumerator.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix(".") {
                    enumerator.skipDescendants()
                    continue
                }
                let path = root == "/" ? "/" + relative : root + "/" + relative
                if isExcluded(relative: relative, path: path, name: name) {
                    enumerator.skipDescendants()
                    continue
                }
                var entry = stat()
                guard lstat(path, &entry) == 0, (entry.st_mode & S_IFMT) == S_IFREG else { continue }
                if let file = Self.file(path, info: entry) { found[path] = file }
            }
        }
        return found.values.sorted { $0.path < $1.path }
    }

    /// Whether a pattern drops the entry.
    public func isExcluded(relative: String, path: String, name: String) -> Bool {
        excludes.contains { pattern in
            fnmatch(pattern, relative, 0) == 0 || fnmatch(pattern, path, 0) == 0 || fnmatch(pattern, name, 0) == 0
        }
    }

    /// Whether `path` lies under one of the roots (so a file missing from this walk was deleted, not elsewhere).
    public func covers(_ path: String) -> Bool {
        roots.contains { root in path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/") }
    }

    private static func file(_ path: String, info: stat) -> File? {
        File(
            path: path, size: Int64(info.st_size),
            modificationTime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}
