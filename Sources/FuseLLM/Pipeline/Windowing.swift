/// Splits corpus texts so the longest tokenization among all models fits the window — FuseLLM's
/// `split_long_text` step, done once for every model together so all models see the same sequences.
///
/// A text that fits stays whole. A longer one is cut at whitespace boundaries (each piece is a run of whitespace
/// and the word after it) into the longest prefixes that fit every tokenizer, found by binary search.
///
/// Not `SlidingWindows` (FuseCore), which cuts one token sequence into fixed-size overlapping windows: here the
/// cut is made in the *text*, before tokenizing, because several models with different tokenizers must see the same
/// pieces of text (FuseLLM aligns their distributions token by token); windows do not overlap, and their token
/// counts differ from model to model.
public enum Windowing {
    /// The pieces of `text` that each fit `window` tokens under every counter.
    /// - Parameters:
    ///   - counters: per model, its name and a function counting the tokens of a string.
    ///   - line: the corpus line (for errors).
    public static func split(
        _ text: String, line: Int, window: Int,
        counters: [(name: String, count: (String) throws -> Int)]
    ) throws -> [String] {
        guard window > 1 else { throw LLMError.invalidOption(name: "window", reason: "must be at least 2 tokens") }
        func longest(_ piece: String) throws -> (name: String, tokens: Int) {
            var worst = (name: "", tokens: 0)
            for counter in counters {
                let n = try counter.count(piece)
                if n > worst.tokens { worst = (counter.name, n) }
            }
            return worst
        }
        if try longest(text).tokens <= window { return [text] }
        let pieces = words(text)
        var chunks: [String] = []
        var start = 0
        while start < pieces.count {
            var low = 0, high = pieces.count - start  // the fitting piece count lies in [low, high]
            while low < high {
                let mid = (low + high + 1) / 2
                if try longest(pieces[start..<(start + mid)].joined()).tokens <= window {
                    low = mid
                } else {
                    high = mid - 1
                }
            }
            if low == 0 {
                let worst = try longest(pieces[start])
                throw LLMError.sequenceLongerThanWindow(
                    model: worst.name, line: line, tokens: worst.tokens, window: window)
            }
            chunks.append(pieces[start..<(start + low)].joined())
            start += low
        }
        return chunks
    }

    /// Whitespace-led words: "a b  c" → ["a", " b", "  c"].
    static func words(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var inWord = false
        for character in text {
            let space = character.isWhitespace
            if space && inWord {
                pieces.append(current)
                current = ""
                inWord = false
            }
            current.append(character)
            if !space { inWord = true }
        }
        if !current.isEmpty {
            if inWord || pieces.isEmpty { pieces.append(current) } else { pieces[pieces.count - 1] += current }
        }
        return pieces
    }
}
