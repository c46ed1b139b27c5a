import FuseCore

/// How a sequence longer than the model accepts is cut: windows of at most `maxTokens` tokens, consecutive windows
/// sharing `overlap` tokens, the last window ending at the sequence's end. Every token lands in some window, so
/// nothing is silently dropped.
struct TokenWindows {
    let maxTokens: Int?
    let overlap: Int

    init(context: PreprocessingContext, plugin: String) throws {
        maxTokens = context.maxTokens
        overlap = context.windowOverlap ?? 0
        if let maxTokens, maxTokens < 1 {
            throw FuseError.invalidArgument(what: "plugin '\(plugin)' maxTokens", reason: "\(maxTokens) is below 1")
        }
        guard overlap >= 0 else {
            throw FuseError.invalidArgument(what: "plugin '\(plugin)' windowOverlap", reason: "\(overlap) is negative")
        }
        if let maxTokens, overlap >= maxTokens {
            throw FuseError.invalidArgument(
                what: "plugin '\(plugin)' windowOverlap",
                reason: "\(overlap) must be smaller than maxTokens (\(maxTokens)) so windows advance")
        }
    }

    /// The token ranges of a sequence of `count` tokens (one range when it fits; `SlidingWindows` cuts them).
    func ranges(count: Int) -> [Range<Int>] {
        guard let maxTokens else { return [0..<count] }
        return SlidingWindows.ranges(count: count, length: maxTokens, overlap: overlap)
    }
}
