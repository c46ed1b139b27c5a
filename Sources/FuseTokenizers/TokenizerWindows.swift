import FuseCore

/// How a text longer than a model accepts is cut into windows, as HF tokenizers' truncation with
/// `return_overflowing_tokens` and `stride` does: each window holds at most `maxLength` tokens (special tokens
/// included), consecutive windows share `overlap` text tokens, and the last window ends at the text's end. Every
/// text token lands in some window, so nothing is silently dropped.
public struct WindowPolicy: Sendable, Equatable {
    /// Longest window, special tokens included; nil: one window however long the text.
    public var maxLength: Int?
    /// Text tokens shared by consecutive windows (HF's `stride`).
    public var overlap: Int

    public init(maxLength: Int?, overlap: Int = 0) {
        self.maxLength = maxLength
        self.overlap = overlap
    }

    /// The text-token ranges of a text of `count` tokens when `reserved` special tokens go around each window.
    func ranges(count: Int, reserved: Int) throws -> [Range<Int>] {
        guard overlap >= 0 else {
            throw TokenizerError.invalidOption(name: "windowOverlap", reason: "\(overlap) is negative")
        }
        guard let maxLength else { return [0..<count] }
        let room = maxLength - reserved
        guard room > 0 else {
            throw TokenizerError.invalidOption(
                name: "maxTokens", reason: "\(maxLength) leaves no room for text beside the \(reserved) special tokens")
        }
        guard overlap < room else {
            throw TokenizerError.invalidOption(
                name: "windowOverlap",
                reason: "\(overlap) must be smaller than the \(room) text tokens of a window so windows advance")
        }
        return SlidingWindows.ranges(count: count, length: room, overlap: overlap)
    }
}

extension Tokenizer {
    /// Encodes a text of any length as windows (see `WindowPolicy`), each wrapped in the post-processor's special
    /// tokens unless `addSpecialTokens` is false. The tokenizer's own truncation and padding do not apply: the
    /// windows are the truncation, and padding is left to whoever batches them.
    public func encodeWindows(_ text: String, policy: WindowPolicy, addSpecialTokens: Bool = true) throws -> [Encoding]
    {
        let state = pool.checkOut()
        let ids = modelIDs(text, state: state)
        pool.checkIn(state)
        let reserved = addSpecialTokens ? postProcessor.addedTokenCount : 0
        return try policy.ranges(count: ids.count, reserved: reserved).map { range in
            let processed = postProcessor.apply(Array(ids[range]), addSpecialTokens: addSpecialTokens)
            return Encoding(
                ids: processed.ids, typeIDs: processed.typeIDs,
                attentionMask: [Int32](repeating: 1, count: processed.ids.count),
                specialTokensMask: processed.special.map { $0 ? 1 : 0 }, vocabulary: table)
        }
    }
}
