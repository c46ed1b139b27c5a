import Dispatch

extension Kernels {
    /// A 1-D convolution (`torch.nn.Conv1d` with zero padding, stride and groups) over a **time-major** signal, as
    /// im2col + GEMM: blocks of output frames gather their receptive fields into a `[rows, kernel·inPerGroup]` patch
    /// matrix and multiply it by the group's weight rows with the shared `gemm`, blocks spread over the cores (each
    /// with single-threaded BLAS and its own scratch, so memory stays at a few hundred KB per core whatever the
    /// signal's length).
    ///
    /// - Parameters:
    ///   - input: `[inputLength, inChannels]`, frame-major.
    ///   - weight: `[outChannels, kernel, inChannels / groups]`: torch's `[out, in/groups, kernel]` with its last two
    ///     axes swapped (`conv1dWeightTimeMajor` makes it), so one frame's taps are contiguous like the input's.
    ///   - bias: `[outChannels]` or nil.
    ///   - output: `[outputLength, outChannels]` with `outputLength = conv1dOutputLength(...)`; may be a prefix of
    ///     that (`outputRows`), e.g. to drop the frame a "same"-padded even kernel adds.
    public static func conv1d(
        input: UnsafePointer<Float>, inputLength: Int, inChannels: Int, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, outChannels: Int, kernel: Int, stride: Int, padding: Int, groups: Int,
        output: UnsafeMutablePointer<Float>, outputRows: Int
    ) {
        let inPerGroup = inChannels / groups, outPerGroup = outChannels / groups
        let patchWidth = kernel * inPerGroup
        guard outputRows > 0, outChannels > 0, patchWidth > 0 else { return }
        // Enough rows per block to keep the GEMM efficient (wide patches, such as the positional conv's 128 taps ×
        // 48 channels, still get 64 rows), few enough that the patch block stays near the cache (≤ 1 MB for
        // patches up to 4096 wide).
        let blockRows = max(64, min(512, (1 << 18) / patchWidth))
        let blocks = (outputRows + blockRows - 1) / blockRows
        let workers = max(1, min(coreCount, blocks))
        let operands = ConvOperands(input: input, weight: weight, bias: bias, output: output)
        let work = { (worker: Int) in
            let patches = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * patchWidth)
            defer { patches.deallocate() }
            var block = worker
            while block < blocks {
                let first = block * blockRows
                let rows = min(blockRows, outputRows - first)
                for group in 0..<groups {
                    let channel = group * inPerGroup
                    for row in 0..<rows {
                        let start = (first + row) * stride - padding
                        let line = patches + row * patchWidth
                        if groups == 1, start >= 0, start + kernel <= inputLength {
                            // One contiguous run of `kernel` frames.
                            line.update(from: operands.input + start * inChannels, count: patchWidth)
                            continue
                        }
                        for tap in 0..<kernel {
                            let frame = start + tap
                            let slot = line + tap * inPerGroup
                            if frame >= 0, frame < inputLength {
                                slot.update(from: operands.input + frame * inChannels + channel, count: inPerGroup)
                            } else {
                                slot.update(repeating: 0, count: inPerGroup)
                            }
                        }
                    }
                    gemm(
                        transposeA: false, transposeB: true, m: rows, n: outPerGroup, k: patchWidth,
                        a: patches, lda: patchWidth, b: operands.weight + group * outPerGroup * patchWidth,
                        ldb: patchWidth, c: operands.output + first * outChannels + group * outPerGroup,
                        ldc: outChannels)
                }
                if let bias = operands.bias {
                    addBias(operands.output + first * outChannels, rows: rows, columns: outChannels, bias: bias)
                }
                block += workers
            }
        }
        if workers == 1 {
            work(0)
        } else {
            // The workers touch disjoint output blocks and only read the rest (see `ConvOperands`).
            let shared = UncheckedSendable(work)
            withSingleThreadedBLAS {
                DispatchQueue.concurrentPerform(iterations: workers) { shared.value($0) }
            }
        }
    }

    /// Frames out of a `Conv1d`: `⌊(length + 2·padding − kernel) / stride⌋ + 1`, or 0 when the kernel does not fit.
    public static func conv1dOutputLength(inputLength: Int, kernel: Int, stride: Int, padding: Int = 0) -> Int {
        let span = inputLength + 2 * padding - kernel
        return span < 0 ? 0 : span / stride + 1
    }

    /// Reorders a torch `Conv1d` weight `[out, in, kernel]` (row-major) into the `[out, kernel, in]` layout `conv1d`
    /// reads.
    public static func conv1dWeightTimeMajor(
        _ weight: UnsafeBufferPointer<Float>, outChannels: Int, inChannels: Int,
        kernel: Int
    ) -> [Float] {
        var result = [Float](repeating: 0, count: outChannels * inChannels * kernel)
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                for k in 0..<kernel {
                    result[(o * kernel + k) * inChannels + c] = weight[(o * inChannels + c) * kernel + k]
                }
            }
        }
        return result
    }
}

/// The convolution's buffers, shared by the workers; each writes only its own blocks of output rows.
private struct ConvOperands: @unchecked Sendable {
    let input: UnsafePointer<Float>
    let weight: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>
}
