/// Cuts a spectrogram into the overlapping square patches of AST, Meta-Transformer and ImageBind.
///
/// The spectrogram is stored as `[time, mel]` (Kaldi's frame-major output). The models transpose it to
/// `[1, mel, time]` and run `Conv2d(1, D, kernel p×p, stride (sf, st))`; `flatten(2).transpose(1, 2)` then orders
/// tokens **frequency-major**: token `f·T′ + t` is the patch at mel rows `f·sf ..< f·sf+p` and frames
/// `t·st ..< t·st+p`, with `F′ = (mel − p)/sf + 1` frequency patches and `T′ = (time − p)/st + 1` time patches.
/// Inside a token the `p·p` values follow the conv weight's `[kh, kw]` order — mel offset `a` major, frame offset
/// `b` minor: value `a·p + b` is `spec[t·st + b][f·sf + a]`. So a model's patch embedding is one GEMM with its
/// `Conv2d` weight reshaped to `[D, p·p]`.
public enum SpectrogramPatches {
    /// The patch grid `[frequencyPatches, timePatches]` for a `[frames, melBins]` spectrogram.
    public static func grid(frames: Int, melBins: Int, patchSize p: Int, stride: [Int]) -> [Int] {
        guard p > 0, stride.count == 2, stride[0] > 0, stride[1] > 0, melBins >= p, frames >= p else { return [0, 0] }
        return [(melBins - p) / stride[0] + 1, (frames - p) / stride[1] + 1]
    }

    /// Patches of `spectrogram` (`[frames, melBins]`) as a `[F′·T′, p·p]` tensor, in the order described above.
    /// `stride` is `[frequency, time]`.
    public static func extract(_ spectrogram: Tensor, patchSize p: Int, stride: [Int]) throws -> Tensor {
        guard spectrogram.rank == 2 else {
            throw AudioError.invalidOption(
                name: "spectrogram", reason: "expected [frames, mel], got \(spectrogram.shape)")
        }
        let frames = spectrogram.shape[0], mel = spectrogram.shape[1]
        guard p > 0, stride.count == 2, stride[0] > 0, stride[1] > 0 else {
            throw AudioError.invalidOption(
                name: "patch",
                reason: "size \(p) and stride \(stride) must be positive, "
                    + "stride given as [frequency, time]")
        }
        guard mel >= p, frames >= p else {
            throw AudioError.invalidOption(
                name: "patch",
                reason: "a \(p)×\(p) patch does not fit a "
                    + "\(frames)-frame × \(mel)-bin spectrogram")
        }
        let g = grid(frames: frames, melBins: mel, patchSize: p, stride: stride)
        let (sf, st) = (stride[0], stride[1])
        return spectrogram.withUnsafeBufferPointer { spec in
            Tensor(shape: [g[0] * g[1], p * p]) { out in
                for f in 0..<g[0] {
                    for t in 0..<g[1] {
                        let token = out.baseAddress! + (f * g[1] + t) * p * p
                        for a in 0..<p {
                            let column = f * sf + a
                            for b in 0..<p { token[a * p + b] = spec[(t * st + b) * mel + column] }
                        }
                    }
                }
            }
        }
    }
}
