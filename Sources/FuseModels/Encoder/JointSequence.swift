import FuseCore

/// Errors of joint (early-fusion) encoding, each naming the model and the modalities involved.
public enum JointSequenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A joint sequence needs at least one input.
    case emptyGroup(index: Int)
    /// The inputs' embedders produce vectors of different widths, so their tokens cannot share one sequence.
    case widthMismatch(model: String, widths: [String])

    public var description: String {
        switch self {
        case .emptyGroup(let index):
            return "early fusion: group \(index + 1) has no inputs"
        case .widthMismatch(let model, let widths):
            return "early fusion needs towers of one width, but model \(model) embeds \(widths.joined(separator: ", "))"
                + "; use late fusion with this model"
        }
    }
}

/// One input's vector out of a joint sequence, pooled from its own segment.
public struct JointSegmentOutput: Sendable {
    public let modality: Modality
    /// `[dimension]`: the segment pooled by its tower's pooling, post-pool norm and head (not normalised).
    public let vector: [Float]
}

extension EncoderModel {
    /// Early fusion's encoder pass: each group's token sequences (of any modalities the model has towers for)
    /// are embedded by their modality's embedder, tagged with that embedder's modality-type embedding (none when
    /// the checkpoint has none, i.e. zeros), concatenated in order into one sequence with one attention mask, and
    /// run once through the encoder. Groups are batched into one encoder call per anchor, padded to the longest
    /// joint sequence.
    ///
    /// The encoder is the *anchor's*: the tower of the group's first input (for Meta-Transformer every tower
    /// shares one encoder, so the choice does not matter; for CLIP it decides which tower's blocks, causal mask and
    /// final norm the joint sequence goes through). Each segment is then pooled with its own tower's pooling,
    /// post-pool norm and head, so every vector lands in the model's shared space and a group of one input gives
    /// exactly that input's ordinary embedding.
    ///
    /// - Returns: per group, one output per token sequence, in the order given.
    public func encodeJointly(_ groups: [[Tokens]]) throws -> [[JointSegmentOutput]] {
        for (index, group) in groups.enumerated() where group.isEmpty {
            throw JointSequenceError.emptyGroup(index: index)
        }
        for group in groups { try checkWidths(group.map(\.modality)) }
        var results = [[JointSegmentOutput]?](repeating: nil, count: groups.count)
        let byAnchor = Dictionary(grouping: groups.indices, by: { groups[$0][0].modality })
        for anchor in byAnchor.keys.sorted(by: { $0.name < $1.name }) {
            let indices = byAnchor[anchor]!
            let outputs = try encodeBatch(indices.map { groups[$0] }, anchor: try tower(for: anchor))
            for (index, output) in zip(indices, outputs) { results[index] = output }
        }
        return results.map { $0! }
    }

    /// Throws unless every modality has a tower and all their embedders share the anchor encoder's width.
    public func checkWidths(_ modalities: [Modality]) throws {
        guard let anchor = modalities.first else { return }
        let width = try tower(for: anchor).encoder.hiddenSize
        var widths: [String] = []
        var mismatch = false
        for modality in Set(modalities).sorted(by: { $0.name < $1.name }) {
            let tower = try tower(for: modality)
            widths.append("\(modality.name) of width \(tower.embedder.hiddenSize)")
            if tower.embedder.hiddenSize != width || tower.encoder.hiddenSize != width { mismatch = true }
        }
        if mismatch { throw JointSequenceError.widthMismatch(model: id, widths: widths) }
    }

    private func encodeBatch(_ groups: [[Tokens]], anchor: Tower) throws -> [[JointSegmentOutput]] {
        let width = anchor.encoder.hiddenSize
        // Every input embedded on its own by its modality's embedder (its own positions and prefix tokens).
        let segments: [[(tower: Tower, batch: EmbeddedBatch)]] = try groups.map { group in
            try group.map { tokens in
                let tower = try tower(for: tokens.modality)
                var batch = try tower.embedder.embed([tokens])
                if let type = tower.embedder.modalityTypeEmbedding { Self.addToEveryRow(type, of: &batch.hidden) }
                return (tower, batch)
            }
        }
        let lengths = segments.map { $0.reduce(0) { $0 + $1.batch.sequence } }
        let longest = lengths.max() ?? 0
        var mask = [Int32](repeating: 0, count: groups.count * longest)
        var joint = Tensor(shape: [groups.count, longest, width]) { $0.update(repeating: 0) }
        joint.withUnsafeMutableBufferPointer { out in
            for (g, parts) in segments.enumerated() {
                var offset = 0
                for part in parts {
                    let rows = part.batch.sequence
                    part.batch.hidden.withUnsafeBufferPointer { source in
                        (out.baseAddress! + (g * longest + offset) * width).update(
                            from: source.baseAddress!,
                            count: rows * width)
                    }
                    for t in 0..<rows { mask[g * longest + offset + t] = part.batch.mask[t] }
                    offset += rows
                }
            }
        }
        let causal = anchor.causal
        let hidden = try anchor.encoder(joint, mask: mask.contains(0) || causal ? mask : nil, causal: causal)
        return try segments.enumerated().map { g, parts in
            var offset = 0
            return try parts.map { part in
                let rows = part.batch.sequence
                let segment = try Self.slice(hidden, item: g, rows: offset..<(offset + rows))
                offset += rows
                let pooled = try HeadStep.apply(
                    part.tower.poolNorm, to: part.tower.pooling.pool(segment, batch: part.batch))
                let vector = try HeadStep.apply(part.tower.head, to: pooled).scalars
                return JointSegmentOutput(modality: part.tower.modality, vector: vector)
            }
        }
    }

    /// `[1, rows.count, width]`: rows of one batch item.
    private static func slice(_ hidden: Tensor, item: Int, rows: Range<Int>) throws -> Tensor {
        let (sequence, width) = (hidden.shape[1], hidden.shape[2])
        return Tensor(shape: [1, rows.count, width]) { out in
            hidden.withUnsafeBufferPointer { source in
                out.baseAddress!.update(
                    from: source.baseAddress! + (item * sequence + rows.lowerBound) * width,
                    count: rows.count * width)
            }
        }
    }

    /// Adds `vector` (`[width]`) to every row of `[batch, sequence, width]`.
    private static func addToEveryRow(_ vector: Tensor, of hidden: inout Tensor) {
        let width = vector.shape.last ?? 0
        let rows = hidden.shape.count == 3 ? hidden.shape[0] * hidden.shape[1] : 0
        hidden.withUnsafeMutableBufferPointer { out in
            vector.withUnsafeBufferPointer { v in
                for row in 0..<rows { Kernels.add(out.baseAddress! + row * width, v.baseAddress!, count: width) }
            }
        }
    }
}
