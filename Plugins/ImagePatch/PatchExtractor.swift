import Foundation

/// Cuts a `[C, H, W]` image tensor into non-overlapping square patches laid out as a `Conv2d(kernel = stride
/// = p)` weight expects, so a ViT/CLIP patch embedding is one GEMM: `patches · weight.reshape(D, C·p·p)ᵀ`.
///
/// Patches run row-major over the grid (left to right, then top to bottom), the order of
/// `conv(x).flatten(2).transpose(1, 2)`. As with a strided convolution, rows and columns that do not fill a
/// whole patch are dropped.
public enum PatchExtractor {
    /// The patch grid `[rows, columns]` for an image of `height × width`.
    public static func grid(height: Int, width: Int, patchSize: Int) -> [Int] {
        [height / patchSize, width / patchSize]
    }

    /// `[C, H, W]` → `[N, C·p·p]`, each row ordered (c, ky, kx) like a Conv2d weight's trailing axes.
    public static func patches(_ chw: Tensor, patchSize: Int) throws -> Tensor {
        try extract(chw, patchSize: patchSize, frames: 1)
    }

    /// ImageBind's image path: the image is repeated into a clip of `frames` identical frames
    /// (`PadIm2Video(pad_type="repeat", ntimes=2)`) and embedded by a `Conv3d(kernel = (frames, p, p))`.
    /// Returns `[N, C·frames·p·p]`, each row ordered (c, t, ky, kx) like that Conv3d weight.
    public static func temporalPatches(_ chw: Tensor, patchSize: Int, frames: Int = 2) throws -> Tensor {
        try extract(chw, patchSize: patchSize, frames: frames)
    }

    private static func extract(_ chw: Tensor, patchSize p: Int, frames: Int) throws -> Tensor {
        guard chw.rank == 3 else {
            throw FuseError.invalidArgument(
                what: "patch extraction", reason: "expected a [C, H, W] tensor, got shape \(chw.shape)")
        }
        let (channels, height, width) = (chw.shape[0], chw.shape[1], chw.shape[2])
        guard p > 0, frames > 0 else {
            throw FuseError.invalidArgument(
                what: "patch extraction",
                reason: "patch size (\(p)) and frame count (\(frames)) must be positive")
        }
        guard height >= p, width >= p else {
            throw FuseError.invalidArgument(
                what: "patch extraction",
                reason: "image \(width)×\(height) is smaller than one \(p)×\(p) patch")
        }
        let rows = height / p, columns = width / p
        let patchLength = channels * frames * p * p
        return chw.withUnsafeBufferPointer { source in
            let src = source.baseAddress!
            return Tensor(shape: [rows * columns, patchLength]) { out in
                var dst = out.baseAddress!
                for gy in 0..<rows {
                    for gx in 0..<columns {
                        for c in 0..<channels {
                            let origin = src + (c * height + gy * p) * width + gx * p
                            for _ in 0..<frames {
                                for ky in 0..<p {
                                    dst.update(from: origin + ky * width, count: p)
                                    dst += p
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
