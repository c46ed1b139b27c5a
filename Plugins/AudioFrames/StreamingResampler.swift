/// `Resampler` over a signal that arrives in chunks: the outputs equal `Resampler.resample` on the whole signal,
/// while only a window of recent input (the filter span plus one chunk) is kept.
struct StreamingResampler {
    let resampler: Resampler
    /// Input samples the whole signal will have (from the file header); fixes the output count and the end padding.
    let totalInput: Int
    let totalOutput: Int
    /// Padded input kept so far; `buffer[0]` is padded index `bufferStart` (padded index p holds sample p − width).
    private var buffer: [Float]
    private var bufferStart = 0
    private var received = 0
    private(set) var produced = 0

    init(resampler: Resampler, totalInput: Int) {
        self.resampler = resampler
        self.totalInput = totalInput
        totalOutput = resampler.outputCount(forInputCount: totalInput)
        buffer = [Float](repeating: 0, count: resampler.width)
    }

    /// Adds input samples and returns every output they make computable (all remaining ones after the last input).
    mutating func push(_ chunk: [Float]) -> [Float] {
        buffer.append(contentsOf: chunk)
        received += chunk.count
        if received >= totalInput {
            // torchaudio's right padding (width + orig zeros), plus slack for the zero taps that round a phase up to 8.
            buffer.append(contentsOf: repeatElement(0, count: resampler.width + resampler.orig + resampler.tapCount))
        }
        var end = produced
        let available = bufferStart + buffer.count
        // Outputs are in input order; find the last whose taps lie inside what has arrived.
        var step = 1 << 16
        while step > 0 {
            while end + step <= totalOutput, resampler.inputSpan(forOutput: end + step - 1).upperBound <= available {
                end += step
            }
            step >>= 1
        }
        guard end > produced else { return [] }
        let range = produced..<end
        let offset = bufferStart
        let result = [Float](unsafeUninitializedCapacity: range.count) { out, done in
            buffer.withUnsafeBufferPointer { src in
                let source = SharedPointer(src.baseAddress!), target = SharedPointer(out.baseAddress!)
                let resampler = self.resampler
                Kernels.parallelChunks(count: range.count, grain: 1 << 13) { block in
                    let outputs = (range.lowerBound + block.lowerBound)..<(range.lowerBound + block.upperBound)
                    resampler.run(
                        padded: source.base, paddedStart: offset, outputs: outputs,
                        into: target.base + block.lowerBound)
                }
            }
            done = range.count
        }
        produced = end
        // Keep only what the next output still needs.
        if produced < totalOutput {
            let keepFrom = resampler.inputSpan(forOutput: produced).lowerBound
            let drop = keepFrom - bufferStart
            if drop > 0 {
                buffer.removeFirst(drop)
                bufferStart = keepFrom
            }
        } else {
            buffer = []
        }
        return result
    }
}
