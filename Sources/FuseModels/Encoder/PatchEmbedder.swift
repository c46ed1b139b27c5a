import FuseCore

/// Embeds patch features (images, spectrograms) `[N, C·p·p]`: one GEMM with the patch convolution's weight
/// viewed as `[hidden, C·p·p]` (a `Conv2d` with kernel = stride over non-overlapping or strided patches is exactly
/// that product once the plugin has laid each patch out in the weight's `(c, y, x)` order), then learned prefix
/// tokens (CLS, distillation) in front, learned positions added, and an optional LayerNorm (CLIP's
/// `pre_layrnorm`).
public struct PatchEmbedder: ModalityEmbedder {
    public let modality: Modality
    /// `[hidden, patchWidth]`: the convolution weight `[hidden, C, p, p]` as a matrix (a view, no copy).
    public let projection: Tensor
    public let bias: Tensor?
    /// `[prefixCount, hidden]`.
    public let prefix: Tensor?
    /// `[maxPositions, hidden]`, covering prefix and patches.
    public let positions: Tensor
    public let norm: LayerNormWeights?
    public let modalityTypeEmbedding: Tensor?

    public init(
        modality: Modality, convolutionWeight: Tensor, bias: Tensor?, prefix: Tensor?, positions: Tensor,
        norm: LayerNormWeights? = nil, modalityTypeEmbedding: Tensor? = nil
    ) throws {
        self.modality = modality
        projection = try convolutionWeight.reshaped([convolutionWeight.shape[0], -1])
        self.bias = bias
        self.prefix = prefix
        self.positions = positions
        self.norm = norm
        self.modalityTypeEmbedding = modalityTypeEmbedding
    }

    public var hiddenSize: Int { projection.shape[0] }
    public var patchWidth: Int { projection.shape[1] }
    public var prefixCount: Int { prefix?.shape[0] ?? 0 }
    /// The most patches one input may have.
    public var maxPatches: Int { positions.shape[0] - prefixCount }

    public func embed(_ batch: [Tokens]) throws -> EmbeddedBatch {
        var features: [Tensor] = []
        for tokens in batch {
            guard case .features(let tensor) = tokens.content else {
                throw ModelError.unsupportedModality(
                    model: "\(modality) embedder", modality: "\(tokens.modality) ids",
                    available: ["\(modality) patch features"])
            }
            guard tensor.shape[1] == patchWidth else {
                throw ModelError.featureWidth(modality: modality.name, expected: patchWidth, found: tensor.shape[1])
            }
            guard tensor.shape[0] <= maxPatches else {
                throw ModelError.sequenceTooLong(modality: modality.name, length: tensor.shape[0], limit: maxPatches)
            }
            features.append(tensor)
        }
        let prefixCount = self.prefixCount
        let sequence = prefixCount + (features.map { $0.shape[0] }.max() ?? 0)
        let width = hiddenSize
        var mask = [Int32](repeating: 0, count: batch.count * sequence)
        let hidden = Tensor(shape: [batch.count, sequence, width]) { out in
            out.update(repeating: 0)
            for (item, patches) in features.enumerated() {
                let base = out.baseAddress! + item * sequence * width
                let count = patches.shape[0]
                patches.withUnsafeBufferPointer { input in
                    projection.withUnsafeBufferPointer { weight in
                        Kernels.gemm(
                            transposeA: false, transposeB: true, m: count, n: width, k: patchWidth,
                            a: input.baseAddress!, lda: patchWidth, b: weight.baseAddress!, ldb: patchWidth,
                            c: base + prefixCount * width, ldc: width)
                    }
                }
                bias?.withUnsafeBufferPointer {
                    Kernels.addBias(base + prefixCount * width, rows: count, columns: width, bias: $0.baseAddress!)
                }
                prefix?.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: prefixCount * width) }
                positions.withUnsafeBufferPointer {
                    addRows($0.baseAddress!, start: 0, rows: prefixCount + count, width: width, into: base)
                }
                let tokenMask = batch[item].attentionMask
                for t in 0..<sequence {
                    let patchIndex = t - prefixCount
                    mask[item * sequence + t] = patchIndex < 0 ? 1 : (patchIndex < count ? tokenMask[patchIndex] : 0)
                }
            }
            norm?.apply(out.baseAddress!, rows: batch.count * sequence)
        }
        return EmbeddedBatch(hidden: hidden, mask: mask, ids: nil, prefixCount: prefixCount)
    }
}
