import Foundation
import FuseCore
import FuseTokenizers

/// The built-in text plugin (`"text-bpe"`): UTF-8 text files → token ids through the model folder's tokenizer
/// (byte-level / CLIP / Metaspace BPE or WordPiece, id for id as HF tokenizers).
///
/// `decode` reads `.txt`, `.md` and other UTF-8 files (see `TextFileReader`: a BOM is dropped; invalid UTF-8 is an
/// error naming the byte offset unless the plugin was made with `invalidUTF8: .replace`). `tokenize` reads, from
/// the context:
/// - `options["tokenizer"]`: a tokenizer file or folder, taking precedence over the model folder;
/// - `modelDirectory`: the folder whose tokenizer is used — `tokenizer.json` first, then `vocab.json` + `merges.txt`,
///   `vocab.txt`, CLIP's `bpe_simple_vocab_16e6.txt(.gz)`; when the folder holds none, its `text/` subfolder
///   (the layout of multi-modality models such as fuse-mini). Each folder's tokenizer is loaded once and cached;
/// - `maxTokens`: the model's longest sequence (special tokens included). A longer text becomes several windows
///   of at most that many tokens, each with the tokenizer's special tokens (`[CLS] … [SEP]`,
///   `<|startoftext|> … <|endoftext|>`), so nothing is silently truncated. Without it, the tokenizer's own
///   truncation length is the window length, and without that the whole text is one sequence;
/// - `windowOverlap`: text tokens shared by consecutive windows (HF's `stride`; default 0).
///
/// Windows are cut as HF tokenizers' truncation with `return_overflowing_tokens` cuts them; the tokenizer's own
/// truncation and padding settings are not applied (the runtime pads batches).
public struct TextPlugin: ModalityPlugin {
    public let id = "text-bpe"
    public let modality = Modality.text
    public let claims = PluginClaims(
        extensions: ["txt", "md", "markdown", "text"],
        mimeTypes: ["text/plain", "text/markdown"],
        signatures: [MagicSignature(bytes: [0xEF, 0xBB, 0xBF])])

    /// How files are read (invalid UTF-8 policy, size limit).
    public var reader: TextFileReader
    private let cache = TokenizerCache()

    public init(reader: TextFileReader = TextFileReader()) {
        self.reader = reader
    }

    /// A plugin that replaces invalid UTF-8 with U+FFFD (`.replace`) or rejects it (`.reject`, the default).
    public init(invalidUTF8: InvalidUTF8Policy) {
        self.init(reader: TextFileReader(invalidUTF8: invalidUTF8))
    }

    /// Definite for a UTF-8 byte-order mark; possible for bytes that are UTF-8 (a character cut by the end of the
    /// prefix is allowed) without NUL or other control bytes than tab, line feed, vertical tab, form feed,
    /// carriage return and escape.
    public func sniff(_ prefix: [UInt8]) -> SniffVerdict {
        if claims.signatures[0].matches(prefix) { return .definite }
        for byte in prefix where byte < 0x20 || byte == 0x7F {
            if !(0x09...0x0D).contains(byte) && byte != 0x1B { return .no }
        }
        switch UTF8Validation.check(prefix) {
        case .valid, .truncated: return .possible
        case .invalid: return .no
        }
    }

    public func decode(contentsOf url: URL) throws -> Sample {
        .text(try reader.read(contentsOf: url))
    }

    public func tokenize(_ sample: Sample, context: PreprocessingContext) throws -> [Tokens] {
        guard case .text(let text) = sample else {
            throw FuseError.unsupportedSample(plugin: id, reason: "expected a text sample, got \(sample.modality)")
        }
        let tokenizer = try self.tokenizer(for: context)
        let policy = WindowPolicy(
            maxLength: context.maxTokens ?? tokenizer.truncation?.maxLength,
            overlap: context.windowOverlap ?? 0)
        let windows = try tokenizer.encodeWindows(text, policy: policy)
        guard let first = windows.first, first.count > 0 else {
            throw TokenizerError.noTokens(source: "text of \(text.utf8.count) bytes")
        }
        return try windows.map { window in
            try Tokens(
                modality: .text, content: .ids(window.ids), attentionMask: window.attentionMask,
                tokenTypeIDs: window.typeIDs)
        }
    }

    /// The tokenizer `tokenize` uses for `context` (see the type's documentation for where it is looked for).
    public func tokenizer(for context: PreprocessingContext) throws -> Tokenizer {
        if let path = context.options["tokenizer"] {
            return try cache.tokenizer(at: URL(fileURLWithPath: path))
        }
        guard let folder = context.modelDirectory else {
            throw TokenizerError.invalidOption(
                name: "modelDirectory",
                reason: "the text plugin needs a model folder holding tokenizer files, or options[\"tokenizer\"]")
        }
        try FuseError.requireDirectory(folder)
        if Self.holdsTokenizer(folder) { return try cache.tokenizer(at: folder) }
        let nested = folder.appendingPathComponent("text")
        if Self.holdsTokenizer(nested) { return try cache.tokenizer(at: nested) }
        throw TokenizerError.noTokenizerFiles(directory: folder.path)
    }

    /// The files `Tokenizer.load(from:)` recognises in a folder.
    static let tokenizerFileNames = [
        "tokenizer.json", "vocab.json", "vocab.txt", "bpe_simple_vocab_16e6.txt.gz",
        "bpe_simple_vocab_16e6.txt",
    ]

    static func holdsTokenizer(_ folder: URL) -> Bool {
        tokenizerFileNames.contains { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }
}

/// Loaded tokenizers by path, shared by concurrent `tokenize` calls.
private final class TokenizerCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: Tokenizer] = [:]

    func tokenizer(at url: URL) throws -> Tokenizer {
        let key = url.standardizedFileURL.resolvingSymlinksInPath().path
        if let hit = lock.withLock({ entries[key] }) { return hit }
        // Loading outside the lock: two first uses may both load; both results are equal.
        let loaded = try Tokenizer.load(from: url)
        lock.withLock { entries[key] = loaded }
        return loaded
    }
}
