import Foundation

/// Errors raised while loading or running a tokenizer. Every case names the file (or input) and what is wrong.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file or folder at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read (permissions, I/O, bad gzip stream).
    case unreadable(path: String, reason: String)
    /// A folder holds none of the tokenizer files Fuse reads.
    case noTokenizerFiles(directory: String)
    /// The file is not valid JSON, or a value has the wrong JSON type.
    case invalidJSON(file: String, reason: String)
    /// A required field is absent, e.g. `model` in tokenizer.json.
    case missingField(file: String, field: String)
    /// `model.type` names a model Fuse does not implement.
    case unknownModelType(file: String, type: String)
    /// A normalizer, pre-tokenizer, post-processor or decoder Fuse does not implement.
    case unsupportedComponent(file: String, field: String, type: String)
    /// A merge names a token the vocabulary lacks (or whose merged result it lacks).
    case mergeReferencesAbsentToken(file: String, merge: String, token: String)
    /// A merge line is not two tokens separated by one space.
    case malformedMerge(file: String, line: Int, text: String)
    /// The vocabulary holds no tokens.
    case emptyVocabulary(file: String)
    /// Two tokens share one id, or an id is negative or beyond the vocabulary.
    case invalidTokenID(file: String, token: String, id: Int)
    /// A special token a post-processor or setting needs is not in the vocabulary.
    case unknownToken(file: String, token: String)
    /// A regular expression in the file cannot be compiled.
    case invalidRegex(file: String, pattern: String, reason: String)
    /// Bytes that are not UTF-8: `offset` is the first bad byte.
    case invalidUTF8(source: String, offset: Int)
    /// A setting given by the caller is out of range.
    case invalidOption(name: String, reason: String)
    /// A text file is larger than the reader accepts.
    case textTooLarge(path: String, bytes: Int, limit: Int)
    /// A text gives no tokens at all (empty, and no special tokens are added).
    case noTokens(source: String)
    /// A text is longer than the tokenizer's `maxInputBytes`.
    case inputTooLong(bytes: Int, limit: Int)
    /// A Unigram vocabulary entry whose score is not a finite number (`index` is its position, its id).
    case invalidUnigramScore(file: String, piece: String, index: Int, value: String)
    /// A Unigram model's `unk_id` that names no entry of its vocabulary.
    case unknownIDOutOfRange(file: String, id: Int, vocabularySize: Int)
    /// A `Precompiled` normalizer's `precompiled_charsmap` that is not base64 or not a SentencePiece char map.
    case invalidPrecompiledCharsmap(file: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file or directory"
        case .unreadable(let path, let reason): return "\(path): cannot be read: \(reason)"
        case .noTokenizerFiles(let dir):
            return "\(dir): no tokenizer.json, vocab.json + merges.txt, vocab.txt or bpe_simple_vocab_16e6.txt(.gz)"
        case .invalidJSON(let file, let reason): return "\(file): invalid JSON: \(reason)"
        case .missingField(let file, let field): return "\(file): missing field '\(field)'"
        case .unknownModelType(let file, let type):
            return "\(file): unknown model type '\(type)' (supported: BPE, WordPiece, Unigram)"
        case .unsupportedComponent(let file, let field, let type):
            return "\(file): \(field) of type '\(type)' is not supported"
        case .mergeReferencesAbsentToken(let file, let merge, let token):
            return "\(file): merge '\(merge)' references '\(token)', which is not in the vocabulary"
        case .malformedMerge(let file, let line, let text):
            return "\(file): merge \(line) '\(text)' is not two tokens separated by a space"
        case .emptyVocabulary(let file): return "\(file): the vocabulary is empty"
        case .invalidTokenID(let file, let token, let id):
            return "\(file): token '\(token)' has invalid or duplicate id \(id)"
        case .unknownToken(let file, let token): return "\(file): token '\(token)' is not in the vocabulary"
        case .invalidRegex(let file, let pattern, let reason):
            return "\(file): regular expression '\(pattern)' cannot be compiled: \(reason)"
        case .invalidUTF8(let source, let offset): return "\(source): invalid UTF-8 at byte offset \(offset)"
        case .invalidOption(let name, let reason): return "option '\(name)': \(reason)"
        case .textTooLarge(let path, let bytes, let limit):
            return "\(path): \(bytes) bytes is more than the \(limit) bytes a text file may have"
        case .noTokens(let source): return "\(source): the text gives no tokens"
        case .inputTooLong(let bytes, let limit):
            return
                "text of \(bytes) bytes exceeds the tokenizer's limit of \(limit) bytes (raise Tokenizer.maxInputBytes)"
        case .invalidUnigramScore(let file, let piece, let index, let value):
            return
                "\(file): model.vocab[\(index)] ('\(piece)') has score \(value); a Unigram score must be a finite number"
        case .unknownIDOutOfRange(let file, let id, let size):
            return "\(file): model.unk_id \(id) is outside the vocabulary of \(size) pieces (expected 0…\(size - 1))"
        case .invalidPrecompiledCharsmap(let file, let reason):
            return "\(file): normalizer Precompiled: precompiled_charsmap \(reason)"
        }
    }
}
