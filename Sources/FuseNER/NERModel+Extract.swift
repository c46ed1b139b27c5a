import Foundation
import FuseCore

extension NERModel {
    /// The entities of `text` with the given `labels` (any words: "person", "date of birth", "drug name").
    /// Texts longer than the model's `max_len` words are read in overlapping windows and their entities merged;
    /// offsets are always in `text`.
    public func extract(_ text: String, labels: [String], options: ExtractionOptions = .init()) throws -> [Entity] {
        try extract([text], labels: labels, options: options)[0]
    }

    /// The entities of each text (one list per text, in order). All texts' windows share backbone batches, sorted
    /// by length so little padding is computed.
    public func extract(
        _ texts: [String], labels: [String], options: ExtractionOptions = .init()
    ) throws
        -> [[Entity]]
    {
        try extract(texts, labels: labels, options: options, keepingProbabilities: false).entities
    }

    /// The entities of each text, and every span probability (sigmoid of span · label) of each text: its windows in
    /// order, each window's spans by start then width (those past the window's end left out), the labels fastest.
    /// For checking how far scores sit from the threshold and how much a reduced precision moves them
    /// (`fuse-bench ner`).
    public func extractWithSpanProbabilities(
        _ texts: [String], labels: [String], options: ExtractionOptions = .init()
    ) throws -> (entities: [[Entity]], probabilities: [[Float]]) {
        try extract(texts, labels: labels, options: options, keepingProbabilities: true)
    }

    private func extract(
        _ texts: [String], labels: [String], options: ExtractionOptions, keepingProbabilities: Bool
    ) throws -> (entities: [[Entity]], probabilities: [[Float]]) {
        let prompt = try LabelPrompt(labels: labels, model: self)
        let (plans, inputs) = try windows(texts, prompt: prompt, options: options)
        let logits = try self.logits(windows: inputs, prompt: prompt, batchSize: options.batchSize)
        var probabilities: [[Float]] = []
        if keepingProbabilities {
            var next = 0
            for plan in plans {
                var values: [Float] = []
                for _ in plan.windows {
                    logits[next].withUnsafeBufferPointer { values += $0.map { 1 / (1 + expf(-$0)) } }
                    next += 1
                }
                probabilities.append(values)
            }
        }
        var results: [[Entity]] = []
        var next = 0
        for (text, plan) in zip(texts, plans) {
            var perWindow: [[ScoredSpan]] = []
            for window in plan.windows {
                let spans = logits[next].withUnsafeBufferPointer {
                    SpanDecoder.candidates(
                        logits: $0, words: window.count, labels: prompt.labels.count, maxWidth: config.maxWidth,
                        threshold: options.threshold)
                }
                let chosen = SpanDecoder.greedy(spans, flat: options.flat, multiLabel: options.multiLabel)
                perWindow.append(
                    chosen.map {
                        ScoredSpan(
                            start: $0.start + window.lowerBound, end: $0.end + window.lowerBound, label: $0.label,
                            score: $0.score)
                    })
                next += 1
            }
            let spans =
                perWindow.count == 1
                ? perWindow[0] : TextWindows.merge(perWindow, flat: options.flat, multiLabel: options.multiLabel)
            results.append(spans.map { entity($0, words: plan.words, text: text, labels: prompt.labels) })
        }
        return (results, probabilities)
    }

    /// Each text's words and windows, and the backbone input of every window (all texts' windows in order).
    private func windows(
        _ texts: [String], prompt: LabelPrompt, options: ExtractionOptions
    ) throws -> (plans: [(words: [Word], windows: [Range<Int>])], inputs: [WindowInput]) {
        let overlap = options.windowOverlap ?? min(max(config.maxWidth, config.maxLength / 8), config.maxLength - 1)
        guard overlap < config.maxLength else {
            throw NERError.windowOverlapTooLarge(overlap: overlap, maxWords: config.maxLength)
        }
        let budget = maxTokens - prompt.ids.count - 1
        var plans: [(words: [Word], windows: [Range<Int>])] = []
        var inputs: [WindowInput] = []
        for (index, text) in texts.enumerated() {
            let words = WordSplitter.words(text)
            guard !words.isEmpty else { throw NERError.noWords(index: index) }
            let pieces = try tokenizer.modelIDsBatch(words.map(\.text))
            let windows: [Range<Int>]
            do {
                windows = try TextWindows.plan(
                    pieces: pieces, maxWords: config.maxLength, tokenBudget: budget, overlap: overlap)
            } catch NERError.wordTooLong(let word, _, let tokens, let limit) {
                throw NERError.wordTooLong(index: word, word: words[word].text, tokens: tokens, limit: limit)
            }
            plans.append((words, windows))
            inputs += windows.map { prompt.input(pieces: pieces[$0], end: ids.end) }
        }
        return (plans, inputs)
    }

    private func entity(_ span: ScoredSpan, words: [Word], text: String, labels: [String]) -> Entity {
        let start = words[span.start].start
        let end = words[span.end].end
        let scalars = text.unicodeScalars
        let from = scalars.index(scalars.startIndex, offsetBy: start)
        let to = scalars.index(from, offsetBy: end - start)
        return Entity(
            text: String(scalars[from..<to]), label: labels[span.label], score: span.score, start: start, end: end)
    }
}
