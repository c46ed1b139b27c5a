import FuseCore
import FuseModels

extension NERModel {
    /// Span logits `[spans, labels]` for each window (spans by start, then width; those past the window's end left
    /// out): the backbone over `[CLS] prompt words [SEP]`, the projection, the LSTM over the words, markerV0 and
    /// the label head. Windows are run in batches of similar length.
    func logits(windows: [WindowInput], prompt: LabelPrompt, batchSize: Int) throws -> [Tensor] {
        var results = [Tensor?](repeating: nil, count: windows.count)
        let order = windows.indices.sorted { windows[$0].ids.count < windows[$1].ids.count }
        var first = 0
        while first < order.count {
            let batch = Array(order[first..<min(first + max(batchSize, 1), order.count)])
            let computed = try batchLogits(batch.map { windows[$0] }, prompt: prompt)
            for (slot, index) in batch.enumerated() { results[index] = computed[slot] }
            first += batch.count
        }
        return results.map { $0! }
    }

    private func batchLogits(_ windows: [WindowInput], prompt: LabelPrompt) throws -> [Tensor] {
        let tokens = try windows.map { window in
            try Tokens(modality: .text, content: .ids(window.ids))
        }
        // The embedder pads the batch to its longest sequence and masks the padding.
        let hidden = try backbone(tokens).lastHidden
        let sequence = hidden.shape[1]
        let width = hidden.shape[2]
        let labelCount = prompt.labelPositions.count
        // Gather the rows GLiNER reads — label positions, then each word's first sub-token — for all windows.
        let wordCounts = windows.map(\.wordPositions.count)
        let rowsPerWindow = wordCounts.map { $0 + labelCount }
        let totalRows = rowsPerWindow.reduce(0, +)
        var gathered = Tensor(zeros: [totalRows, width])
        var empty: [Int] = []
        hidden.withUnsafeBufferPointer { source in
            gathered.withUnsafeMutableBufferPointer { out in
                var row = 0
                for (item, window) in windows.enumerated() {
                    let positions = prompt.labelPositions.map(Optional.some) + window.wordPositions
                    for position in positions {
                        if let position {
                            (out.baseAddress! + row * width).update(
                                from: source.baseAddress! + (item * sequence + position) * width, count: width)
                        } else {
                            empty.append(row)
                        }
                        row += 1
                    }
                }
            }
        }
        var vectors = try projection.map { try $0(gathered) } ?? gathered
        let d = vectors.shape[1]
        vectors.withUnsafeMutableBufferPointer { out in
            for row in empty { (out.baseAddress! + row * d).update(repeating: 0, count: d) }
        }
        // Split into label vectors and the words of all windows (end to end, for the LSTM).
        var labelVectors: [Tensor] = []
        var words = Tensor(zeros: [wordCounts.reduce(0, +), d])
        vectors.withUnsafeBufferPointer { source in
            words.withUnsafeMutableBufferPointer { out in
                var row = 0
                var wordRow = 0
                for count in wordCounts {
                    labelVectors.append(
                        Tensor(shape: [labelCount, d]) {
                            $0.baseAddress!.update(from: source.baseAddress! + row * d, count: labelCount * d)
                        })
                    row += labelCount
                    (out.baseAddress! + wordRow * d).update(from: source.baseAddress! + row * d, count: count * d)
                    row += count
                    wordRow += count
                }
            }
        }
        if let lstm { words = try lstm(words, lengths: wordCounts) }
        var results: [Tensor] = []
        var start = 0
        for (item, count) in wordCounts.enumerated() {
            let windowWords = try words.rows(start..<(start + count))
            results.append(try scorer.logits(words: windowWords, labels: labelVectors[item]))
            start += count
        }
        return results
    }

}
