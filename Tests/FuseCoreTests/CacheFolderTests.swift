import Foundation
import Testing
@testable import FuseCore

@Suite("CacheFolder: $FUSE_CACHE_DIR, then $XDG_CACHE_HOME/fuse, then ~/.cache/fuse")
struct CacheFolderTests {
    let home = URL(fileURLWithPath: "/home/someone")

    @Test(
        "each variable wins over the ones after it; an empty one counts as unset",
        arguments: [
            (["FUSE_CACHE_DIR": "/fast/cache", "XDG_CACHE_HOME": "/xdg"], "/fast/cache/lens"),
            (["FUSE_CACHE_DIR": "", "XDG_CACHE_HOME": "/xdg"], "/xdg/fuse/lens"),
            (["XDG_CACHE_HOME": "/xdg"], "/xdg/fuse/lens"),
            (["XDG_CACHE_HOME": ""], "/home/someone/.cache/fuse/lens"),
            ([:], "/home/someone/.cache/fuse/lens"),
        ])
    func precedence(environment: [String: String], expected: String) {
        #expect(CacheFolder.url(for: "lens", environment: environment, home: home).path == expected)
    }

    @Test("every kind of cache shares the root")
    func sharedRoot() {
        let environment = ["XDG_CACHE_HOME": "/xdg"]
        #expect(CacheFolder.root(environment: environment, home: home).path == "/xdg/fuse")
        #expect(
            CacheFolder.url(for: "vocab-mappings", environment: environment, home: home).path
                == "/xdg/fuse/vocab-mappings")
    }
}
