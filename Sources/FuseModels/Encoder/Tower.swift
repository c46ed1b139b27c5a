import FuseCore

/// What a tower computes for a batch.
public struct TowerOutput: Sendable {
    /// `[batch, sequence, hidden]`: the encoder's last hidden states (after any final LayerNorm).
    public var lastHidden: Tensor
    /// `[batch, hidden]`: the pooled vectors (after CLIP vision's post-LayerNorm), before any projection.
    public var pooled: Tensor
    /// `[batch, dimension]`: the vectors in the model's shared space, not yet normalised.
    public var embeddings: Tensor
    /// The batch as the encoder saw it (mask, ids), for callers that pool differently.
    public var batch: EmbeddedBatch
}

/// One modality's path through a model: embedder → shared encoder → pooling → projection into the shared space.
/// Towers of one model may share an encoder (Meta-Transformer) or have their own (CLIP).
public struct Tower: Sendable {
    public let modality: Modality
    public let embedder: any ModalityEmbedder
    public let encoder: any EncoderStack
    /// Causal self-attention (CLIP's text tower).
    public let causal: Bool
    public let pooling: Pooling
    /// Steps from the pooled token to `TowerOutput.pooled` (CLIP vision's `post_layernorm`).
    public let poolNorm: [HeadStep]
    /// Steps from `pooled` into the shared space (CLIP projections, ViT/BERT tanh pooler); empty: identity.
    public let head: [HeadStep]

    public init(
        modality: Modality, embedder: any ModalityEmbedder, encoder: any EncoderStack, causal: Bool = false,
        pooling: Pooling, poolNorm: [HeadStep] = [], head: [HeadStep] = []
    ) {
        self.modality = modality
        self.embedder = embedder
        self.encoder = encoder
        self.causal = causal
        self.pooling = pooling
        self.poolNorm = poolNorm
        self.head = head
    }

    /// The dimension of `TowerOutput.embeddings`.
    public var outputDimension: Int {
        for step in head.reversed() { if case .linear(let linear) = step { return linear.outFeatures } }
        return encoder.hiddenSize
    }

    /// Runs a batch of token sequences (padded to the longest) through the tower.
    public func callAsFunction(_ tokens: [Tokens]) throws -> TowerOutput {
        let batch = try embedder.embed(tokens)
        let hidden = try encoder(
            batch.hidden, mask: batch.mask.contains(0) || causal ? batch.mask : nil,
            causal: causal)
        let pooled = try HeadStep.apply(poolNorm, to: pooling.pool(hidden, batch: batch))
        let embeddings = try HeadStep.apply(head, to: pooled)
        return TowerOutput(lastHidden: hidden, pooled: pooled, embeddings: embeddings, batch: batch)
    }
}
