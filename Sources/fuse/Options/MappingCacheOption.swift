import ArgumentParser
import Foundation
import FuseLLM

/// `--cache-dir DIR`: where `fuse llm align` and `fuse llm generate` keep vocabulary mappings.
struct MappingCacheOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where vocabulary mappings are cached (default: $FUSE_CACHE_DIR/vocab-mappings, else "
                + "$XDG_CACHE_HOME/fuse/vocab-mappings, else ~/.cache/fuse/vocab-mappings)."))
    var cacheDir: String?

    /// `--cache-dir`, else the cache folder's `vocab-mappings` (`CacheFolder`).
    func directory() -> URL {
        cacheDir.map { URL(fileURLWithPath: $0) } ?? VocabularyMappingCache.defaultDirectory()
    }
}
