import Foundation
import FuseCore
#if canImport(Glibc)
    import Glibc
#endif

/// Which files of a repository to download. By default only what Fuse loads: configs, safetensors weights (and their
/// shard index), tokenizer and preprocessor files, and sentence-transformers modules (`modules.json` and the
/// `*.json` configs of its module folders, e.g. `1_Pooling/config.json`). Pickled weights (`*.bin`, `*.pt`, `*.pth`,
/// `*.ckpt`, `*.pkl`) are never selected: unpickling runs code from the file.
///
/// `include`/`exclude` are `huggingface_hub`'s `allow_patterns`/`ignore_patterns`: shell globs matched against the
/// whole repository path with Python's `fnmatch` rules (`*` also matches `/`); a pattern ending in `/` means the
/// folder's contents. With `include`, the defaults are replaced by it (pickles stay refused).
public struct HubFileSelection: Sendable, Equatable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include.map(Self.expandFolder)
        self.exclude = exclude.map(Self.expandFolder)
    }

    /// Suffixes of pickled checkpoints, which Fuse never downloads.
    public static let pickleSuffixes = [".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"]

    /// Root files picked by name (configs, tokenizers, preprocessors, sentence-transformers).
    static let rootNames: Set<String> = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "vocab.json", "vocab.txt", "merges.txt", "spiece.model", "sentencepiece.bpe.model",
        "tokenizer.model", "spm.model", "preprocessor_config.json", "processor_config.json",
        "feature_extractor_config.json", "image_processor_config.json", "chat_template.json", "chat_template.jinja",
        "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
        "model.safetensors", "model.safetensors.index.json",
    ]

    /// Whether `path` is a pickled checkpoint.
    public static func isPickle(_ path: String) -> Bool {
        let lower = path.lowercased()
        return pickleSuffixes.contains { lower.hasSuffix($0) }
    }

    /// The files of `siblings` to download; `moduleFolders` are the `path`s listed in the repository's
    /// `modules.json` (read once it is downloaded; empty before).
    public func select(_ siblings: [String], moduleFolders: [String] = []) -> [String] {
        siblings.filter { path in
            guard !Self.isPickle(path) else { return false }
            let wanted =
                include.isEmpty
                ? Self.isDefault(path, moduleFolders: moduleFolders)
                : include.contains { Self.fnmatch($0, path) }
            return wanted && !exclude.contains { Self.fnmatch($0, path) }
        }.sorted()
    }

    static func isDefault(_ path: String, moduleFolders: [String]) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        if parts.count == 1 {
            let name = parts[0]
            return rootNames.contains(name)
                || (name.hasPrefix("model-") && name.hasSuffix(".safetensors"))  // model-00001-of-00002.safetensors
        }
        // A sentence-transformers module folder: its JSON configs (Pooling, Normalize, Dense's config) and a Dense
        // layer's safetensors weights.
        let folder = parts.dropLast().joined(separator: "/")
        guard moduleFolders.contains(folder), let name = parts.last else { return false }
        return name.hasSuffix(".json") || name.hasSuffix(".safetensors")
    }

    /// Python's `fnmatch.fnmatch` on POSIX: `*`, `?`, `[…]`, with `*` crossing `/`.
    static func fnmatch(_ pattern: String, _ path: String) -> Bool {
        Glibc.fnmatch(pattern, path, 0) == 0
    }

    /// `folder/` → `folder/*` (as `huggingface_hub` expands it).
    static func expandFolder(_ pattern: String) -> String {
        pattern.hasSuffix("/") ? pattern + "*" : pattern
    }

    /// The `path` entries of a sentence-transformers `modules.json` (module folders; `""` is the root).
    public static func moduleFolders(fromModulesJSON data: Data) -> [String] {
        struct Module: Decodable { var path: String? }
        guard let list = try? JSONErrorReason.decode([Module].self, from: data) else { return [] }
        return list.compactMap(\.path).filter { !$0.isEmpty }
    }
}
