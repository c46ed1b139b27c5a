import Foundation
import Fuse
import FuseCore

/// One text as the body sees it: ids with [CLS]/[SEP], token types and mask, truncated to the
/// sentence-transformers `max_seq_length` as sentence-transformers truncates.
struct TokenizedSentence: Sendable {
    let ids: [Int32]
    let typeIDs: [Int32]
    let mask: [Float]
}

/// Tokenizes with the body folder's own tokenizer through Fuse's text plugin (the one reader of tokenizer files).
struct SentenceTokenizer: @unchecked Sendable {
    let runtime: FuseRuntime
    let plugin: any ModalityPlugin
    let context: PreprocessingContext

    init(modelDirectory: URL) throws {
        runtime = try FuseRuntime(modelDirectory: modelDirectory)
        plugin = try runtime.plugin(for: .text)
        context = try runtime.preprocessingContext(for: .text)
    }

    /// The first window of `text` (the plugin's windows are max_seq_length long, so the first is the truncation).
    func ids(_ text: String) throws -> TokenizedSentence {
        guard let window = try plugin.tokenize(.text(text), context: context).first,
            case .ids(let ids) = window.content
        else {
            throw SetFitError.invalidTrainingData(
                reason: "the text plugin gave no token ids for \"\(text.prefix(40))\"")
        }
        return TokenizedSentence(
            ids: ids, typeIDs: window.tokenTypeIDs ?? [Int32](repeating: 0, count: ids.count),
            mask: window.attentionMask.map(Float.init))
    }
}
