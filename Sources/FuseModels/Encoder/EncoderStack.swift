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

extension EncoderStack {
    /// Checks a stack's input — `[batch, sequence, hiddenSize]` states and a `batch · sequence` mask — and returns
    /// its batch and sequence sizes.
    func checkedInput(_ hidden: Tensor, mask: [Int32]?) throws -> (batch: Int, sequence: Int) {
        guard hidden.rank == 3, hidden.shape[2] == hiddenSize else {
            throw FuseError.shapeMismatch(what: "encoder input", expected: [-1, -1, hiddenSize], actual: hidden.shape)
        }
        let (batch, sequence) = (hidden.shape[0], hidden.shape[1])
        if let mask, mask.count != batch * sequence {
            throw FuseError.shapeMismatch(
                what: "encoder attention mask", expected: [batch * sequence],
                actual: [mask.count])
        }
        return (batch, sequence)
    }
}

/// A stack asked to run causally when its blocks only attend both ways.
public struct CausalAttentionUnsupported: Error, Equatable, Sendable, CustomStringConvertible {
    public let modelType: String
    public var description: String { "\(modelType) blocks attend both ways; they cannot run with a causal mask" }
}

extension TransformerEncoder: EncoderStack {
    public var hiddenSize: Int { config.hiddenSize }

    public func converted(_ converter: PrecisionConverter) throws -> any EncoderStack {
        TransformerEncoder(
            config: config, layers: try layers.map { try $0.converted(converter) },
            finalNorm: finalNorm)
    }

    public var reducedSample: ReducedPrecisionWeights? { layers.first?.fc1.reduced }
}
