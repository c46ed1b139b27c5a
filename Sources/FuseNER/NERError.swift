import Foundation

/// What can go wrong loading a GLiNER folder or extracting entities. Each case says what is wrong and where (the
/// file, the label, the text); the CLI adds advice with its own flags.
public enum NERError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No labels were given (or only empty ones).
    case noLabels
    /// A label is empty or only whitespace (`index` counts from 0 in the list given).
    case emptyLabel(index: Int)
    /// The labels' prompt (`<<ENT>> label … <<SEP>>`) takes `tokens` tokens, leaving no room for words under the
    /// backbone's `limit`.
    case labelsOverBudget(labels: Int, tokens: Int, limit: Int)
    /// Text number `index` (from 0) holds no words (empty, or whitespace only).
    case noWords(index: Int)
    /// A GLiNER folder lacks its backbone config (`config.json` beside `gliner_config.json`, or `encoder_config`).
    case missingBackboneConfig(directory: String)
    /// The tokenizer lacks GLiNER's added tokens.
    case missingAddedTokens(file: String, tokens: [String])
    /// `gliner_config.json` asks for something Fuse does not implement (another span mode, a fused-layers backbone…).
    case unsupportedConfig(file: String, field: String, value: String, supported: String)
    /// Consecutive windows of a long text would share `overlap` words, not fewer than the `maxWords` a window holds.
    case windowOverlapTooLarge(overlap: Int, maxWords: Int)
    /// One word of the text alone needs more tokens than the backbone can take beside the labels.
    case wordTooLong(index: Int, word: String, tokens: Int, limit: Int)

    public var description: String {
        switch self {
        case .noLabels:
            return "no entity labels were given; GLiNER needs at least one (e.g. person, organization)"
        case .emptyLabel(let index):
            return "entity label \(index + 1) is empty"
        case .labelsOverBudget(let labels, let tokens, let limit):
            return "the \(labels) labels take \(tokens) tokens as a prompt, leaving no room for text under the "
                + "backbone's limit of \(limit) tokens; use fewer or shorter labels"
        case .noWords(let index):
            return "text \(index + 1) holds no words (it is empty or only whitespace)"
        case .missingBackboneConfig(let directory):
            return "\(directory) has gliner_config.json but no backbone config: expected config.json beside it "
                + "(tools/convert_gliner.py writes it) or an encoder_config object inside gliner_config.json"
        case .missingAddedTokens(let file, let tokens):
            return "\(file) lacks GLiNER's added tokens \(tokens.joined(separator: ", ")) "
                + "(a GLiNER checkpoint's tokenizer carries them; is this the backbone's plain tokenizer?)"
        case .unsupportedConfig(let file, let field, let value, let supported):
            return "\(file): \(field) is \(value); Fuse supports \(supported)"
        case .windowOverlapTooLarge(let overlap, let maxWords):
            return "a window overlap of \(overlap) words leaves nothing new in windows of \(maxWords) words (the "
                + "model's max_len); use an overlap below \(maxWords)"
        case .wordTooLong(let index, let word, let tokens, let limit):
            return "word \(index + 1) ('\(word.prefix(40))') takes \(tokens) tokens, more than the \(limit) the "
                + "backbone has room for beside the labels"
        }
    }
}
