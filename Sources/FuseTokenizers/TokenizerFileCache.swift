import Foundation

/// The last few `tokenizer.json` files this process parsed, as built tokenizers, keyed by the file's resolved path,
/// size and modification time: loading a model checks its tokenizer's vocabulary against the embedding table, and
/// the text plugin then loads the same file to tokenize — one parse (≈ 40 ms for a BERT vocabulary) instead of two.
/// A file changed on disk (other size or time) is parsed again.
enum TokenizerFileCache {
    private struct Key: Hashable {
        let path: String
        let size: Int
        let modified: Date
    }

    /// How many tokenizers are kept (the oldest goes first).
    static let capacity = 4

    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var entries: [(Key, Tokenizer)] = []
    }

    private static let store = Store()

    /// How many tokenizers are kept now.
    static var count: Int {
        store.lock.lock()
        defer { store.lock.unlock() }
        return store.entries.count
    }

    /// The tokenizer of `url`, from the cache when the same file was built before, else from `build` (then kept).
    /// Files whose attributes cannot be read are always built.
    static func tokenizer(for url: URL, build: () throws -> Tokenizer) throws -> Tokenizer {
        let path = url.standardizedFileURL.resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.intValue,
            let modified = attributes[.modificationDate] as? Date
        else { return try build() }
        let key = Key(path: path, size: size, modified: modified)
        store.lock.lock()
        let cached = store.entries.first { $0.0 == key }?.1
        store.lock.unlock()
        if let cached { return cached }
        let built = try build()
        store.lock.lock()
        store.entries.removeAll { $0.0 == key }
        store.entries.append((key, built))
        if store.entries.count > capacity { store.entries.removeFirst(store.entries.count - capacity) }
        store.lock.unlock()
        return built
    }
}
