import Foundation

/// A scored span in word indices (`end` inclusive) of one window or text.
struct ScoredSpan: Equatable {
    var start: Int
    var end: Int
    var label: Int
    var score: Float
}

/// gliner's span decoding (`BaseSpanDecoder._decode_batch_item` and `greedy_search`): candidates above the
/// threshold in (start, width, label) order, taken by descending score (ties in that order) unless they clash with
/// one already taken — flat: any overlap; nested: a partial overlap; the same span clashes unless `multiLabel` —
/// and returned by start (ties by score, descending).
enum SpanDecoder {
    /// Candidates of one text's logits `[spans, labels]` (spans by start, then width, those past the end left out).
    static func candidates(
        logits: UnsafeBufferPointer<Float>, words: Int, labels: Int, maxWidth: Int, threshold: Float
    ) -> [ScoredSpan] {
        var found: [ScoredSpan] = []
        var row = 0
        for start in 0..<words {
            for width in 0..<maxWidth where start + width < words {
                for label in 0..<labels {
                    let score = 1 / (1 + expf(-logits[row * labels + label]))
                    if score > threshold {
                        found.append(ScoredSpan(start: start, end: start + width, label: label, score: score))
                    }
                }
                row += 1
            }
        }
        return found
    }

    /// The greedy choice among `spans` (given in candidate order).
    static func greedy(_ spans: [ScoredSpan], flat: Bool, multiLabel: Bool) -> [ScoredSpan] {
        let ranked = spans.indices.sorted {
            spans[$0].score > spans[$1].score || (spans[$0].score == spans[$1].score && $0 < $1)
        }
        var chosen: [ScoredSpan] = []
        for index in ranked {
            let span = spans[index]
            if !chosen.contains(where: { clash(span, $0, flat: flat, multiLabel: multiLabel) }) { chosen.append(span) }
        }
        // Stable by start: among equal starts the order of choice (descending score) stays.
        let order = chosen.indices.sorted {
            chosen[$0].start < chosen[$1].start || (chosen[$0].start == chosen[$1].start && $0 < $1)
        }
        return order.map { chosen[$0] }
    }

    static func clash(_ a: ScoredSpan, _ b: ScoredSpan, flat: Bool, multiLabel: Bool) -> Bool {
        if a.start == b.start && a.end == b.end { return !multiLabel }
        let disjoint = a.start > b.end || b.start > a.end
        if flat { return !disjoint }
        let nested = (a.start <= b.start && a.end >= b.end) || (b.start <= a.start && b.end >= a.end)
        return !(disjoint || nested)
    }
}
