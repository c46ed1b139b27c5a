/// One element of a post-processing template: special tokens, or the encoded sequence.
enum TemplateItem: Sendable {
    case special(ids: [Int32], typeID: Int32)
    case sequence(typeID: Int32)
}

/// HF's post-processors for single sequences, reduced to a template (TemplateProcessing, BertProcessing and
/// RobertaProcessing all add special tokens around the sequence; ByteLevel only trims offsets).
struct PostProcessor: Sendable {
    var single: [TemplateItem]

    static let identity = PostProcessor(single: [.sequence(typeID: 0)])

    /// How many special tokens the template adds (reserved when truncating).
    var addedTokenCount: Int {
        single.reduce(0) { total, item in
            if case .special(let ids, _) = item { return total + ids.count }
            return total
        }
    }

    /// Wraps `ids` with the template's special tokens, giving ids, type ids and the special-token mask.
    func apply(_ ids: [Int32], addSpecialTokens: Bool) -> (ids: [Int32], typeIDs: [Int32], special: [Bool]) {
        guard addSpecialTokens else {
            let typeID =
                single.lazy.compactMap { item -> Int32? in
                    if case .sequence(let t) = item { return t }
                    return nil
                }.first ?? 0
            return (ids, [Int32](repeating: typeID, count: ids.count), [Bool](repeating: false, count: ids.count))
        }
        var out: [Int32] = []
        var types: [Int32] = []
        var special: [Bool] = []
        out.reserveCapacity(ids.count + addedTokenCount)
        for item in single {
            switch item {
            case .special(let specialIDs, let typeID):
                out.append(contentsOf: specialIDs)
                types.append(contentsOf: repeatElement(typeID, count: specialIDs.count))
                special.append(contentsOf: repeatElement(true, count: specialIDs.count))
            case .sequence(let typeID):
                out.append(contentsOf: ids)
                types.append(contentsOf: repeatElement(typeID, count: ids.count))
                special.append(contentsOf: repeatElement(false, count: ids.count))
            }
        }
        return (out, types, special)
    }
}
