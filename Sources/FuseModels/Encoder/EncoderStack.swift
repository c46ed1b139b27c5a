import FuseCore

/// A stack of transformer blocks over a padded batch `[batch, sequence, hidden]`: the part of a tower between its
/// embedder and its pooling. `TransformerEncoder` is the stack BERT, CLIP, ViT, AST and Meta-Transformer share;
/// families whose blocks differ in kind (ModernBERT's rotary local/global attention, DeBERTa's disentangled
/// attention) bring their own, built from the same kernels and `Linear` layers.
public protocol EncoderStack: Sendable {
    /// The width of the states the stack reads and writes.
    var hiddenSize: Int { get }
    /// Runs the stack. `mask` holds `batch · sequence` entries, 1 for real tokens and 0 for padding (nil: all
    /// real); `causal` restricts token `i` to tokens `≤ i` (stacks that cannot run causally throw).
    func callAsFunction(_ hidden: Tensor, mask: [Int32]?, causal: Bool) throws -> Tensor
    /// The stack with its blocks' linear layers in `converter`'s precision (see `PrecisionConverter`).
    func converted(_ converter: PrecisionConverter) throws -> any EncoderStack
    /// A reduced-precision layer of the stack, to report which kernel ran; nil in fp32.
    var reducedSample: ReducedPrecisionWeights? { get }
}

/// A stack asked to run causally when its blocks only attend both ways.
public struct CausalAttentionUnsupported: Error, Equatable, Sendable, CustomStringConvertible {
    public let modelType: String
    public var description: String { "\(modelType) blocks attend both ways; they cannot run with a causal mask" }
}

extension TransformerEncoder: EncoderStack {
    public var hiddenSize: Int { config.hiddenSize }

    public func converted(_ converter: PrecisionConverter) throws -> any EncoderStack {
        TransformerEncoder(config: config, layers: try layers.map { try $0.converted(converter) },
                           finalNorm: finalNorm)
    }

    public var reducedSample: ReducedPrecisionWeights? { layers.first?.fc1.reduced }
}
