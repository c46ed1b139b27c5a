import Foundation
import FuseCore

/// How a tower turns its last hidden states `[batch, sequence, hidden]` into one vector per input.
public enum Pooling: Sendable, Equatable {
    /// The first token (BERT / ViT / CLIP vision CLS).
    case cls
    /// The mean over real (unmasked) tokens, as sentence-transformers' `pooling_mode_mean_tokens`.
    case mean
    /// The element-wise maximum over real tokens, as sentence-transformers' `pooling_mode_max_tokens`.
    case max
    /// The mean of the first `count` tokens (AST averages its CLS and distillation tokens).
    case prefixMean(count: Int)
    /// The first position holding `tokenID` (CLIP text's end-of-text token); nil `tokenID` means the position of
    /// the largest id (CLIP checkpoints whose config says `eos_token_id: 2`, as transformers does). When no token
    /// matches, the last real token is used.
    case endOfText(tokenID: Int32?)

    /// Pools `hidden` (the encoder output for `batch`).
    public func pool(_ hidden: Tensor, batch: EmbeddedBatch) -> Tensor {
        let (items, sequence, width) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        return Tensor(shape: [items, width]) { out in
            hidden.withUnsafeBufferPointer { h in
                for item in 0..<items {
                    let rows = h.baseAddress! + item * sequence * width
                    let line = out.baseAddress! + item * width
                    let mask = batch.mask[(item * sequence)..<((item + 1) * sequence)]
                    switch self {
                    case .cls:
                        line.update(from: rows, count: width)
                    case .prefixMean(let count):
                        line.update(repeating: 0, count: width)
                        for t in 0..<count { Kernels.add(line, rows + t * width, count: width) }
                        Kernels.scale(line, count: width, by: 1 / Float(count))
                    case .mean:
                        line.update(repeating: 0, count: width)
                        var real = 0
                        for (t, flag) in mask.enumerated() where flag != 0 {
                            Kernels.add(line, rows + t * width, count: width)
                            real += 1
                        }
                        Kernels.scale(line, count: width, by: 1 / Float(Swift.max(real, 1)))
                    case .max:
                        line.update(repeating: -.infinity, count: width)
                        for (t, flag) in mask.enumerated() where flag != 0 {
                            for d in 0..<width { line[d] = Swift.max(line[d], rows[t * width + d]) }
                        }
                        // An input with no real token pools to zero rather than -inf.
                        for d in 0..<width where line[d] == -.infinity { line[d] = 0 }
                    case .endOfText(let tokenID):
                        let t = endPosition(ids: batch.ids?[item] ?? [], mask: Array(mask), tokenID: tokenID)
                        line.update(from: rows + t * width, count: width)
                    }
                }
            }
        }
    }

    private func endPosition(ids: [Int32], mask: [Int32], tokenID: Int32?) -> Int {
        let lastReal = mask.lastIndex { $0 != 0 } ?? 0
        if let tokenID {
            return ids.firstIndex(of: tokenID) ?? lastReal
        }
        guard let largest = ids.max() else { return lastReal }
        return ids.firstIndex(of: largest) ?? lastReal
    }
}

/// A step applied to pooled vectors: CLIP's post-LayerNorm and projections, BERT/ViT's tanh pooler.
public enum HeadStep: Sendable {
    case layerNorm(LayerNormWeights)
    case linear(Linear)
    case tanh

    /// Applies the steps in order to `[batch, width]`.
    public static func apply(_ steps: [HeadStep], to input: Tensor) throws -> Tensor {
        var x = input
        for step in steps {
            switch step {
            case .layerNorm(let norm):
                let rows = x.shape[0]
                x.withUnsafeMutableBufferPointer { norm.apply($0.baseAddress!, rows: rows) }
            case .linear(let linear):
                x = try linear(x)
            case .tanh:
                x.withUnsafeMutableBufferPointer { buffer in
                    for index in buffer.indices { buffer[index] = tanhf(buffer[index]) }
                }
            }
        }
        return x
    }
}
