import Foundation
import FuseCore
import FuseTokenizers

/// Checks that a model folder's tokenizer fits the model's embedding table: a tokenizer that can emit ids the
/// table has no row for is an error at load time, not a crash (or silent garbage) at the first unlucky input.
enum TokenizerVocabulary {
    /// The number of ids the tokenizer in `directory` can produce (`tokenizer.json`'s vocabulary and added tokens,
    /// with the ids HF `tokenizers` gives them, read by the tokenizer library; else `vocab.txt`'s lines), or nil
    /// when the folder has neither. A `tokenizer.json` is loaded whole (the library keeps it, so the text plugin's
    /// load that follows does not parse it again); one whose other parts the library cannot build is read for its
    /// vocabulary alone.
    static func size(in directory: URL) throws -> (file: String, size: Int)? {
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) {
            let size: Int
            if let tokenizer = try? Tokenizer.load(from: json) {
                size = tokenizer.vocabSize
            } else {
                size = try TokenizerVocabularySection.read(tokenizerFile: json).size
            }
            return size > 0 ? (json.path, size) : nil
        }
        let text = directory.appendingPathComponent("vocab.txt")
        if let contents = try? FileContents.utf8String(at: text) {
            return (
                text.path,
                contents.split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.isEmpty }.count
            )
        }
        return nil
    }

    /// Throws `tokenizerVocabMismatch` when the tokenizer in `directory` outgrows `vocabSize`.
    static func check(directory: URL, vocabSize: Int) throws {
        guard let (file, size) = try size(in: directory), size > vocabSize else { return }
        throw ModelError.tokenizerVocabMismatch(file: file, tokenizerSize: size, vocabSize: vocabSize)
    }
}
