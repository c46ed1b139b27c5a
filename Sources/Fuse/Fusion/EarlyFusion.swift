import Foundation
import FuseCore
import FuseModels

/// One decoded, tokenised input ready for fusion: where it came from, which plugin read it, and its token
/// windows (a long text or recording may have several).
public struct FusionInput: Sendable {
    public let source: String
    public let modality: Modality
    public let pluginID: String
    public let windows: [Tokens]

    public init(source: String, modality: Modality, pluginID: String, windows: [Tokens]) {
        self.source = source
        self.modality = modality
        self.pluginID = pluginID
        self.windows = windows
    }
}

/// Early fusion, Meta-Transformer's way of combining modalities: the inputs' token sequences share ONE pass
/// through the encoder, attending to each other.
///
/// For a group of inputs:
/// 1. each input is embedded by its modality's embedder (its own prefix tokens and positions);
/// 2. each of its tokens gets the modality-type embedding added — the checkpoint's `tokenizers.<m>.type` when it
///    has one, otherwise **zeros** (no tag: the released Meta-Transformer encoder has none, and with zeros a group
///    of one input gives exactly that input's ordinary embedding);
/// 3. the sequences are concatenated in the group's order, with one attention mask, and run once through the
///    encoder (the encoder of the first input's tower, see `EncoderModel.encodeJointly`);
/// 4. each input's segment is pooled by its own tower's pooling and head (several windows of one input each form a
///    segment and are averaged), normalised, and the inputs' unit vectors are averaged and normalised again.
///
/// Requires every tower involved to share the encoder's width (`JointSequenceError.widthMismatch` otherwise).
/// Checked against torch on the tiny Meta-Transformer (`tools/reference/fusion_early.py`).
public enum EarlyFusion {
    /// The strategy name reported in results.
    public static let name = "early"

    /// Fuses each group into one unit vector; groups are batched through the encoder together.
    public static func fuse(_ groups: [[FusionInput]], model: EncoderModel) throws -> [FusionResult] {
        guard !groups.isEmpty else { return [] }
        if let empty = groups.firstIndex(where: \.isEmpty) { throw JointSequenceError.emptyGroup(index: empty) }
        for group in groups {
            for input in group where input.windows.isEmpty {
                throw FuseError.unsupportedSample(
                    plugin: input.pluginID, reason: "produced no tokens for \(input.source)")
            }
        }
        let outputs = try model.encodeJointly(groups.map { $0.flatMap(\.windows) })
        return groups.enumerated().map { g, group in
            var segments = outputs[g][...]
            let perInput = group.map { input -> [Float] in
                let windows = segments.prefix(input.windows.count).map(\.vector)
                segments = segments.dropFirst(input.windows.count)
                return FuseRuntime.unitMean(windows)
            }
            let n = group.count
            let embedding = Embedding(
                vector: FuseRuntime.unitMean(perInput), modality: Modality("fused"), modelID: model.id,
                sources: group.map(\.source))
            return FusionResult(
                embedding: embedding, inputs: group.map(\.source),
                weights: [Float](repeating: 1 / Float(n), count: n), strategy: name)
        }
    }
}
