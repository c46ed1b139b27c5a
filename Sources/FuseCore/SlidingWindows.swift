/// Overlapping windows over a sequence, the one splitter behind the text plugin's windows (FuseTokenizers'
/// `WindowPolicy`) and run-time plugins' `maxTokens`/`windowOverlap` (FusePluginLoader): each window holds at most
/// `length` items, consecutive windows share `overlap` items, and the last window ends at the sequence's end, so
/// every item lands in some window and nothing is silently dropped (HF tokenizers' overflowing windows with
/// `stride`). Callers check their settings first and say which setting is wrong in their own terms.
public enum SlidingWindows {
    /// The ranges of a sequence of `count` items: one range when it fits in `length`. Needs
    /// `0 ≤ overlap < length`; settings outside that give the whole sequence as one range rather than loop.
    public static func ranges(count: Int, length: Int, overlap: Int) -> [Range<Int>] {
        guard count > length, length > 0, overlap >= 0, overlap < length else { return [0..<max(count, 0)] }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity((count - overlap + length - overlap - 1) / (length - overlap))
        var start = 0
        while true {
            let end = min(start + length, count)
            ranges.append(start..<end)
            if end == count { break }
            start += length - overlap
        }
        return ranges
    }
}
