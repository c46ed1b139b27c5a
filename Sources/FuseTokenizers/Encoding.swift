/// The result of encoding one text: token ids with their masks, as HF tokenizers' `Encoding`.
public struct Encoding: Sendable, Equatable {
    /// Token ids, special tokens and padding included.
    public var ids: [Int32]
    /// Segment ids (BERT's token types).
    public var typeIDs: [Int32]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int32]
    /// 1 where the post-processor added a special token (or padding), 0 for text tokens.
    public var specialTokensMask: [Int32]
    /// Token strings, looked up from the shared vocabulary (no per-token allocation when encoding).
    public var tokens: [String] { ids.map { vocabulary.token(for: $0) ?? "" } }

    let vocabulary: VocabularyTable

    public static func == (lhs: Encoding, rhs: Encoding) -> Bool {
        lhs.ids == rhs.ids && lhs.typeIDs == rhs.typeIDs && lhs.attentionMask == rhs.attentionMask
            && lhs.specialTokensMask == rhs.specialTokensMask
    }

    /// Number of tokens, padding included.
    public var count: Int { ids.count }
}

/// Id → token strings (model vocabulary plus added tokens), shared by every `Encoding` of a tokenizer.
final class VocabularyTable: Sendable {
    let tokens: [String?]
    init(_ tokens: [String?]) { self.tokens = tokens }
    func token(for id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }
}

/// Which end of a sequence truncation or padding applies to.
public enum Side: String, Sendable { case left, right }

/// Truncation of long sequences (HF `TruncationParams` for single sequences).
public struct Truncation: Sendable, Equatable {
    /// Longest sequence, special tokens included.
    public var maxLength: Int
    /// Which end loses tokens.
    public var direction: Side
    public init(maxLength: Int, direction: Side = .right) {
        self.maxLength = maxLength
        self.direction = direction
    }
}

/// Padding of short sequences (HF `PaddingParams`).
public struct Padding: Sendable, Equatable {
    public enum Strategy: Sendable, Equatable {
        /// Pad every sequence of a batch to the batch's longest.
        case batchLongest
        /// Pad to this length.
        case fixed(Int)
    }
    public var strategy: Strategy
    public var direction: Side
    public var padToMultipleOf: Int?
    public var padID: Int32
    public var padTypeID: Int32
    public var padToken: String

    public init(
        strategy: Strategy = .batchLongest, direction: Side = .right, padToMultipleOf: Int? = nil,
        padID: Int32 = 0, padTypeID: Int32 = 0, padToken: String = "[PAD]"
    ) {
        self.strategy = strategy
        self.direction = direction
        self.padToMultipleOf = padToMultipleOf
        self.padID = padID
        self.padTypeID = padTypeID
        self.padToken = padToken
    }
}

extension Encoding {
    /// Pads to `length` tokens (no-op when already as long).
    mutating func pad(to length: Int, with padding: Padding) {
        let extra = length - ids.count
        guard extra > 0 else { return }
        let ids = repeatElement(padding.padID, count: extra)
        let types = repeatElement(padding.padTypeID, count: extra)
        let zeros = repeatElement(Int32(0), count: extra)
        let ones = repeatElement(Int32(1), count: extra)
        if padding.direction == .right {
            self.ids.append(contentsOf: ids); typeIDs.append(contentsOf: types)
            attentionMask.append(contentsOf: zeros); specialTokensMask.append(contentsOf: ones)
        } else {
            self.ids.insert(contentsOf: ids, at: 0); typeIDs.insert(contentsOf: types, at: 0)
            attentionMask.insert(contentsOf: zeros, at: 0); specialTokensMask.insert(contentsOf: ones, at: 0)
        }
    }
}
