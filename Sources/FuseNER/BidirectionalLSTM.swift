import Dispatch
import Foundation
import FuseCore

/// PyTorch's one-layer bidirectional `nn.LSTM` (gate order input, forget, cell, output) over packed sequences:
/// many sequences of different lengths laid end to end, each direction run over each sequence's own length —
/// what `pack_padded_sequence` gives gliner's `LstmSeq2SeqEncoder`.
///
/// The input projections of all steps are one GEMM per direction; the recurrence runs step by step over the
/// sequences still active at that step (sorted by length, so they are a prefix), one `[active, H] × [H, 4H]` GEMM
/// per step.
public struct BidirectionalLSTM: Sendable {
    /// One direction's weights: `inputWeights` `[4H, in]`, `hiddenWeights` `[4H, H]`, `bias` `[4H]`
    /// (PyTorch's `bias_ih + bias_hh`).
    public struct Direction: Sendable {
        public let input: Linear
        public let hiddenWeights: Tensor

        public init(inputWeights: Tensor, hiddenWeights: Tensor, inputBias: Tensor, hiddenBias: Tensor) throws {
            let bias = Tensor(shape: inputBias.shape) { out in
                inputBias.withUnsafeBufferPointer { a in
                    hiddenBias.withUnsafeBufferPointer { b in for i in out.indices { out[i] = a[i] + b[i] } }
                }
            }
            input = try Linear(weight: inputWeights, bias: bias)
            self.hiddenWeights = hiddenWeights
        }
    }

    public let forward: Direction
    public let backward: Direction
    /// Each direction's state width H (the output is `2H` wide: forward then backward).
    public var hiddenSize: Int { forward.hiddenWeights.shape[1] }
    public var inputSize: Int { forward.input.inFeatures }

    public init(forward: Direction, backward: Direction) {
        self.forward = forward
        self.backward = backward
    }

    /// `input` `[Σ lengths, in]` (sequences end to end) → `[Σ lengths, 2H]`.
    public func callAsFunction(_ input: Tensor, lengths: [Int]) throws -> Tensor {
        let total = lengths.reduce(0, +)
        guard input.rank == 2, input.shape == [total, inputSize] else {
            throw FuseError.shapeMismatch(what: "LSTM input", expected: [total, inputSize], actual: input.shape)
        }
        let h = hiddenSize
        var offsets = [Int](repeating: 0, count: lengths.count)
        for i in lengths.indices.dropFirst() { offsets[i] = offsets[i - 1] + lengths[i - 1] }
        let starts = offsets
        // Longest first: at step t the sequences still running are the first `active` of this order.
        let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
        let directions = [forward, backward]
        let gates = try directions.map { try $0.input(input) }
        return Tensor(shape: [total, 2 * h]) { output in
            // The two directions are independent recurrences of small, latency-bound steps: one per core, each
            // with single-threaded BLAS, writing its own half of every output row.
            nonisolated(unsafe) let base = output.baseAddress!
            Kernels.withSingleThreadedBLAS {
                DispatchQueue.concurrentPerform(iterations: 2) { column in
                    run(
                        directions[column], reversed: column == 1, gates: gates[column], order: order,
                        lengths: lengths, starts: starts, output: base + column * h, outputStride: 2 * h)
                }
            }
        }
    }

    private func run(
        _ direction: Direction, reversed: Bool, gates: Tensor, order: [Int], lengths: [Int], starts: [Int],
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let h = hiddenSize
        let count = order.count
        var hidden = [Float](repeating: 0, count: count * h)
        var cell = [Float](repeating: 0, count: count * h)
        var step = [Float](repeating: 0, count: count * 4 * h)
        let longest = order.first.map { lengths[$0] } ?? 0
        var active = count
        gates.withUnsafeBufferPointer { inputGates in
            direction.hiddenWeights.withUnsafeBufferPointer { weights in
                for t in 0..<longest {
                    while active > 0, lengths[order[active - 1]] <= t { active -= 1 }
                    // step[active, 4H] = hidden[active, H] · W_hhᵀ
                    hidden.withUnsafeBufferPointer { previous in
                        step.withUnsafeMutableBufferPointer { out in
                            Kernels.gemm(
                                transposeA: false, transposeB: true, m: active, n: 4 * h, k: h,
                                a: previous.baseAddress!, lda: h, b: weights.baseAddress!, ldb: h,
                                c: out.baseAddress!, ldc: 4 * h)
                        }
                    }
                    for slot in 0..<active {
                        let sequence = order[slot]
                        let position = starts[sequence] + (reversed ? lengths[sequence] - 1 - t : t)
                        let x = inputGates.baseAddress! + position * 4 * h
                        for j in 0..<h {
                            let base = slot * 4 * h
                            let i = sigmoid(step[base + j] + x[j])
                            let f = sigmoid(step[base + h + j] + x[h + j])
                            let g = tanhf(step[base + 2 * h + j] + x[2 * h + j])
                            let o = sigmoid(step[base + 3 * h + j] + x[3 * h + j])
                            let c = f * cell[slot * h + j] + i * g
                            cell[slot * h + j] = c
                            let value = o * tanhf(c)
                            hidden[slot * h + j] = value
                            output[position * outputStride + j] = value
                        }
                    }
                }
            }
        }
    }

    @inline(__always) private func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}
