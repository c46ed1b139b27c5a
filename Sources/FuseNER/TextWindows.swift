/// Long texts as GLiNER cannot read them at once: windows of at most `max_len` words (and at most the backbone's
/// token limit beside the labels), consecutive windows sharing `overlap` words, so every span of up to `max_width`
/// words lies whole in some window when the overlap is at least `max_width − 1`.
enum TextWindows {
    /// Word ranges covering `0..<pieces.count`: each as long as `maxWords` and `tokenBudget` (sub-tokens of its
    /// words) allow, the next starting `overlap` words before the previous one's end.
    static func plan(pieces: [[Int32]], maxWords: Int, tokenBudget: Int, overlap: Int) throws -> [Range<Int>] {
        var windows: [Range<Int>] = []
        var start = 0
        while start < pieces.count {
            var end = start
            var tokens = 0
            while end < pieces.count, end - start < maxWords, tokens + pieces[end].count <= tokenBudget {
                tokens += pieces[end].count
                end += 1
            }
            guard end > start else {
                throw NERError.wordTooLong(
                    index: start, word: "", tokens: pieces[start].count, limit: tokenBudget)
            }
            windows.append(start..<end)
            if end == pieces.count { break }
            start = max(end - overlap, start + 1)
        }
        return windows
    }

    /// Entities of overlapping windows as one list (spans in the text's word indices): exact duplicates keep the
    /// highest score (the first seen among equals), then the decoder's greedy rule runs over the union.
    static func merge(_ windows: [[ScoredSpan]], flat: Bool, multiLabel: Bool) -> [ScoredSpan] {
        var best: [ScoredSpan] = []
        var slot: [SpanKey: Int] = [:]
        for spans in windows {
            for span in spans {
                let key = SpanKey(start: span.start, end: span.end, label: span.label)
                if let index = slot[key] {
                    if span.score > best[index].score { best[index] = span }
                } else {
                    slot[key] = best.count
                    best.append(span)
                }
            }
        }
        return SpanDecoder.greedy(best, flat: flat, multiLabel: multiLabel)
    }

    private struct SpanKey: Hashable {
        let start: Int
        let end: Int
        let label: Int
    }
}
