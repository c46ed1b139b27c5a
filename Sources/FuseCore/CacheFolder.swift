import Foundation

/// The one place Fuse keeps caches (LENS vocabulary embeddings, LLM vocabulary mappings, …):
/// `$FUSE_CACHE_DIR`, else `$XDG_CACHE_HOME/fuse`, else `~/.cache/fuse`; empty variables count as unset.
///
/// ```swift
/// let lens = CacheFolder.url(for: "lens")   // e.g. ~/.cache/fuse/lens
/// ```
public enum CacheFolder {
    /// The variable that names the cache root directly.
    public static let fuseVariable = "FUSE_CACHE_DIR"
    /// The XDG base-directory variable; Fuse's caches go in its `fuse` folder.
    public static let xdgVariable = "XDG_CACHE_HOME"

    /// The cache root for `environment` (by default the process's), with `home` standing for `~`.
    public static func root(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        home: URL = FileManager.default.homeDirectoryForCurrentUser
    ) -> URL {
        if let dir = environment[fuseVariable], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = environment[xdgVariable], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("fuse")
        }
        return home.appendingPathComponent(".cache/fuse")
    }

    /// The folder of one kind of cache (`name`, e.g. `lens` or `vocab-mappings`) below the root.
    public static func url(
        for name: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        home: URL = FileManager.default.homeDirectoryForCurrentUser
    ) -> URL {
        root(environment: environment, home: home).appendingPathComponent(name)
    }
}
