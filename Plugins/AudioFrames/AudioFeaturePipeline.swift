import Foundation

extension AudioPatchRecipe {
    /// The recipe's normalized spectrograms for `audio`, each `[targetLength, numMelBins]` (frames × mel, as HF's
    /// `input_values`): one per window (AST, Meta-Transformer) or per clip (ImageBind).
    ///
    /// Windows: the whole signal's fbank is cut into windows of `targetLength` frames starting every `hopFrames`
    /// (default `targetLength`), the last one zero-padded. Kaldi frames depend only on their own 25 ms of samples,
    /// so window `w` equals the reference run on the samples from frame `w·hop` on; audio that fits one window
    /// gives exactly the reference's output.
    public func spectrograms(for audio: AudioBuffer, hopFrames: Int? = nil, what: String = "audio") throws -> [Tensor] {
        var samples = audio.samples
        if audio.sampleRate != sampleRate {
            samples = try Resampler(from: audio.sampleRate, to: sampleRate).resample(samples)
        }
        let fbank = try KaldiFbank(options: fbank)
        switch clips {
        case .windows:
            let hop = hopFrames ?? targetLength
            guard hop > 0 else { throw AudioError.invalidOption(name: "hop", reason: "must be positive, got \(hop)") }
            let features = try fbank.compute(samples, what: what)
            return Self.windowStarts(frames: features.shape[0], length: targetLength, hop: hop).map {
                window(of: features, start: $0)
            }
        case .evenlySpaced(let count, let seconds):
            return try Self.clipBounds(
                sampleCount: samples.count, sampleRate: sampleRate, clips: count,
                seconds: seconds
            ).map { bounds in
                var clip = Array(samples[bounds])
                if removeClipMean, !clip.isEmpty {
                    var sum: Double = 0
                    for x in clip { sum += Double(x) }
                    let mean = Float(sum / Double(clip.count))
                    for i in clip.indices { clip[i] -= mean }
                }
                return window(of: try fbank.compute(clip, what: "\(what) clip \(bounds)"), start: 0)
            }
        }
    }

    /// Window starts `0, hop, 2·hop, …` until a window reaches the last frame.
    static func windowStarts(frames: Int, length: Int, hop: Int) -> [Int] {
        var starts = [0]
        while starts[starts.count - 1] + length < frames { starts.append(starts[starts.count - 1] + hop) }
        return starts
    }
}
