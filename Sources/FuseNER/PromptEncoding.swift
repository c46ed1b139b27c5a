import FuseCore
import FuseTokenizers

/// The labels' part of every prompt: `<<ENT>> label <<ENT>> label … <<SEP>>` as token ids, with the positions the
/// label vectors are read at (gliner's `prepare_inputs` + `extract_prompt_features`; `[CLS]` comes first).
struct LabelPrompt: Sendable {
    let labels: [String]
    /// `[CLS] <<ENT>> label … <<SEP>>`.
    let ids: [Int32]
    /// Where each label's vector is read: its `<<ENT>>` (or the token after it, under `embed_ent_token: false`).
    let labelPositions: [Int]

    /// Builds the prompt for `labels` (repeated labels dropped, the first kept, as gliner does).
    init(labels given: [String], model: NERModel) throws {
        guard !given.isEmpty else { throw NERError.noLabels }
        for (index, label) in given.enumerated()
        where label.unicodeScalars.allSatisfy({ WordSplitter.isSpace($0) }) {
            throw NERError.emptyLabel(index: index)
        }
        var seen = Set<String>()
        labels = given.filter { seen.insert($0).inserted }
        let labelIDs = try model.tokenizer.modelIDsBatch(labels, threads: 1)
        var ids: [Int32] = [model.ids.classToken]
        var positions: [Int] = []
        for pieces in labelIDs {
            positions.append(ids.count + (model.config.embedEntityToken ? 0 : 1))
            ids.append(model.ids.entity)
            ids += pieces
        }
        ids.append(model.ids.separator)
        // At least one word and the closing [SEP] must fit after the prompt.
        guard ids.count + 2 <= model.maxTokens else {
            throw NERError.labelsOverBudget(labels: labels.count, tokens: ids.count, limit: model.maxTokens)
        }
        self.ids = ids
        labelPositions = positions
    }
}

/// One window of words as the backbone reads it: the label prompt, each word's sub-tokens, `[SEP]`.
struct WindowInput {
    let ids: [Int32]
    /// The position of each word's first sub-token; nil for a word with none (gliner leaves its vector zero).
    let wordPositions: [Int?]
}

extension LabelPrompt {
    /// The input for a window whose words' sub-tokens are `pieces`.
    func input(pieces: ArraySlice<[Int32]>, end: Int32) -> WindowInput {
        var ids = self.ids
        var positions: [Int?] = []
        positions.reserveCapacity(pieces.count)
        for word in pieces {
            positions.append(word.isEmpty ? nil : ids.count)
            ids += word
        }
        ids.append(end)
        return WindowInput(ids: ids, wordPositions: positions)
    }
}
