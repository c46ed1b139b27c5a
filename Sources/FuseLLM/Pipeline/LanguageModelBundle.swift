import Foundation
import FuseTokenizers

/// A causal LM with its tokenizer and vocabulary, loaded from one Hugging Face folder and checked for
/// consistency: `config.json`'s `vocab_size` must equal the tokenizer's vocabulary size (FuseLLM maps top-k ids to
/// token strings, so every id the model can emit needs a token).
public struct LanguageModelBundle: Sendable {
    /// A short name (the folder's last component unless given).
    public let name: String
    public let model: any CausalLanguageModel
    public let tokenizer: Tokenizer
    public let vocabulary: LLMVocabulary

    /// Loads the model and tokenizer in `folder`; the model computes its projections in `precision` (fp32, the exact
    /// path, by default; logits, top-k and `metric_ce` always come out in fp32).
    public init(folder: URL, name: String? = nil, precision: Precision = .fp32) throws {
        try FuseError.requireDirectory(folder)
        let tokenizerFile = folder.appendingPathComponent("tokenizer.json")
        let model = try CausalLMLoader.load(folder: folder, precision: precision)
        try FuseError.requireFile(tokenizerFile)
        let tokenizer = try LLMVocabulary.loadTokenizer(tokenizerFile)
        let vocabulary = try LLMVocabulary(tokenizer: tokenizer, file: tokenizerFile.path)
        let label = name ?? folder.lastPathComponent
        guard vocabulary.count == model.config.vocabSize else {
            throw LLMError.vocabularySizeMismatch(
                model: label, config: model.config.vocabSize, other: vocabulary.count,
                otherSource: "tokenizer.json")
        }
        self.name = label
        self.model = model
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
    }

    /// Token ids of `text` as the model sees it (with the tokenizer's special tokens, as FuseLLM tokenizes).
    public func encode(_ text: String) throws -> [Int32] {
        try tokenizer.encode(text, addSpecialTokens: true).ids
    }
}
