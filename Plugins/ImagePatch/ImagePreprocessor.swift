import Foundation

/// Turns a decoded RGB image into a model's normalized `[3, H, W]` pixel tensor, reproducing Hugging Face
/// transformers' Pillow-backed image processors (`CLIPImageProcessor`, `ViTImageProcessor`) and the
/// torchvision recipe of ImageBind / Meta-Transformer: resize with Pillow's algorithm, centre crop, rescale,
/// normalize.
///
/// ```swift
/// let preprocess = try ImagePreprocessor(configURL: modelDir.appendingPathComponent("preprocessor_config.json"))
/// let pixels = try preprocess(image)   // Tensor [3, 224, 224]
/// ```
public struct ImagePreprocessor: Sendable, Equatable {
    /// How the image is resized before cropping.
    public enum Resize: Sendable, Equatable {
        /// Scale so the shorter side equals the value, keeping the aspect ratio (long side truncated as
        /// transformers and torchvision do: `int(size * long / short)`).
        case shortestEdge(Int)
        /// Resize to exactly this size, ignoring the aspect ratio.
        case exact(width: Int, height: Int)
    }

    /// How the centre crop's offset is rounded when the margin is odd.
    public enum CropRounding: Sendable, Equatable {
        /// transformers' `center_crop`: `(H - h) // 2`, zero padding when the image is smaller.
        case floor
        /// torchvision's `CenterCrop`: `round((H - h) / 2)` (half to even); zero padding when smaller.
        case halfToEven
    }

    /// How 8-bit values become floats.
    public enum Rescale: Sendable, Equatable {
        /// transformers: `Float(Double(v) * factor)`.
        case multiply(Double)
        /// torchvision's `ToTensor`: `Float(v) / divisor` in single precision.
        case divide(Float)
    }

    public var resize: Resize?
    public var filter: ResampleFilter
    /// Crop size as (width, height); nil: no crop.
    public var cropWidth: Int?
    public var cropHeight: Int?
    public var cropRounding: CropRounding
    /// nil: pixel values stay in 0…255.
    public var rescale: Rescale?
    /// Per-channel mean and standard deviation; nil: no normalization.
    public var mean: [Float]?
    public var std: [Float]?
    /// Largest image preprocessing returns, in pixels: the crop, or the resized image when there is no crop. It is
    /// checked before anything is allocated, so a config `size` of 999,999 is an error, not a terabyte allocation.
    /// The resize target itself is not bounded by it: only the rows and columns the crop keeps are computed, so a
    /// legitimately thin image (1×5000, whose CLIP resize is 224×1,120,000) is preprocessed as transformers does.
    public var maxOutputPixels = ImagePreprocessor.defaultMaxOutputPixels
    /// 4096² pixels: a 200 MB float tensor; released models use at most 1024².
    public static let defaultMaxOutputPixels = 4096 * 4096
    /// Pillow's image sides are C `int`s: a resize target with a longer side cannot be the reference's either.
    public static let maxResizedSide = Int(Int32.max)

    /// Builds a preprocessor from explicit parameters; throws when a size is not positive or mean/std are not
    /// three positive-std channels.
    public init(
        resize: Resize?, filter: ResampleFilter, cropWidth: Int? = nil, cropHeight: Int? = nil,
        cropRounding: CropRounding = .floor, rescale: Rescale? = .multiply(1.0 / 255.0),
        mean: [Float]?, std: [Float]?
    ) throws {
        switch resize {
        case .shortestEdge(let size) where size <= 0,
            .exact(let size, _) where size <= 0, .exact(_, let size) where size <= 0:
            throw ImageError.invalidParameter(what: "resize", reason: "target size must be positive, got \(size)")
        default: break
        }
        if (cropWidth == nil) != (cropHeight == nil) || (cropWidth ?? 1) <= 0 || (cropHeight ?? 1) <= 0 {
            throw ImageError.invalidParameter(
                what: "crop size",
                reason:
                    "width and height must both be positive, got \(String(describing: cropWidth))×\(String(describing: cropHeight))"
            )
        }
        if (mean == nil) != (std == nil) || (mean.map { $0.count != 3 } ?? false)
            || (std.map { $0.count != 3 } ?? false)
        {
            throw ImageError.invalidParameter(what: "normalization", reason: "mean and std need 3 values each")
        }
        if let std, std.contains(where: { !($0 > 0) }) {
            throw ImageError.invalidParameter(what: "normalization", reason: "std values must be positive, got \(std)")
        }
        self.resize = resize
        self.filter = filter
        self.cropWidth = cropWidth
        self.cropHeight = cropHeight
        self.cropRounding = cropRounding
        self.rescale = rescale
        self.mean = mean
        self.std = std
    }

    /// OpenAI CLIP's normalization constants (transformers' `OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD`).
    public static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]
    /// transformers' `IMAGENET_STANDARD_MEAN` / `_STD` (ViT).
    public static let standardMean: [Float] = [0.5, 0.5, 0.5]
    public static let standardStd: [Float] = [0.5, 0.5, 0.5]

    /// `CLIPImageProcessor`'s defaults: shortest edge `size`, bicubic, centre crop `size`, CLIP mean/std.
    public static func clip(size: Int = 224) -> ImagePreprocessor {
        ImagePreprocessor(
            checked: .shortestEdge(size), filter: .bicubic, crop: size, rounding: .floor,
            rescale: .multiply(1.0 / 255.0), mean: clipMean, std: clipStd)
    }

    /// `ViTImageProcessor`'s defaults: resize to `size`², bilinear, no crop, mean/std 0.5.
    public static func vit(size: Int = 224) -> ImagePreprocessor {
        ImagePreprocessor(
            checked: .exact(width: size, height: size), filter: .bilinear, crop: nil, rounding: .floor,
            rescale: .multiply(1.0 / 255.0), mean: standardMean, std: standardStd)
    }

    /// ImageBind's torchvision pipeline: `Resize(224, BICUBIC)`, `CenterCrop(224)`, `ToTensor()`,
    /// `Normalize(CLIP mean, CLIP std)`.
    public static let imageBind = ImagePreprocessor(
        checked: .shortestEdge(224), filter: .bicubic, crop: 224, rounding: .halfToEven, rescale: .divide(255),
        mean: clipMean, std: clipStd)

    /// Meta-Transformer's image recipe, the same torchvision pipeline as ImageBind's.
    public static let metaTransformer = imageBind

    /// A recipe by name: `"clip"`, `"vit"`, `"imagebind"`, `"meta-transformer"` (case-insensitive).
    public static func recipe(named name: String) -> ImagePreprocessor? {
        switch name.lowercased() {
        case "clip": .clip()
        case "vit": .vit()
        case "imagebind": .imageBind
        case "meta-transformer", "metatransformer": .metaTransformer
        default: nil
        }
    }

    /// For the built-in recipes, whose parameters are known to be valid.
    private init(
        checked resize: Resize?, filter: ResampleFilter, crop: Int?, rounding: CropRounding,
        rescale: Rescale?, mean: [Float], std: [Float]
    ) {
        self.resize = resize
        self.filter = filter
        cropWidth = crop
        cropHeight = crop
        cropRounding = rounding
        self.rescale = rescale
        self.mean = mean
        self.std = std
    }

    /// The normalized `[3, H, W]` tensor for `image`.
    public func callAsFunction(_ image: ImageBuffer) throws -> Tensor {
        normalize(try resizedAndCropped(image))
    }

    /// The 8-bit image after resizing and cropping (before rescale and normalization): the stage compared
    /// with Pillow in the parity tests.
    public func resizedAndCropped(_ image: ImageBuffer) throws -> ImageBuffer {
        let (width, height) = resizedSize(width: image.width, height: image.height)
        let what = "preprocessing of a \(image.width)×\(image.height) image"
        guard width <= Self.maxResizedSide, height <= Self.maxResizedSide else {
            throw ImageError.invalidParameter(
                what: what,
                reason: "the resize target \(width)×\(height) has a side longer than \(Self.maxResizedSide) "
                    + "pixels, the most an image can have in Pillow (the reference)")
        }
        // Only the output is allocated (the crop's rows and columns of the resize are all that is computed).
        let outWidth = cropWidth ?? width, outHeight = cropHeight ?? height
        let (pixels, overflow) = outWidth.multipliedReportingOverflow(by: outHeight)
        guard !overflow, pixels <= maxOutputPixels else {
            throw ImageError.invalidParameter(
                what: what,
                reason: "the \(cropWidth == nil ? "resized" : "cropped") image would be "
                    + "\(outWidth)×\(outHeight) pixels, more than the \(maxOutputPixels) preprocessing produces at most"
            )
        }
        let left = cropOffset(size: width, crop: outWidth), top = cropOffset(size: height, crop: outHeight)
        // Rows and columns of the resized image that land inside the crop; the rest of the crop is zero padding.
        let columns = max(left, 0)..<min(left + outWidth, width)
        let rows = max(top, 0)..<min(top + outHeight, height)
        let region = try PillowResampler.resize(
            image, width: width, height: height, filter: filter,
            columns: columns, rows: rows)
        if columns.count == outWidth && rows.count == outHeight { return region }
        var padded = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        let dx = columns.lowerBound - left, dy = rows.lowerBound - top
        for y in 0..<rows.count {
            let from = y * columns.count * 3
            let to = ((y + dy) * outWidth + dx) * 3
            padded[to..<(to + columns.count * 3)] = region.pixels[from..<(from + columns.count * 3)]
        }
        return try ImageBuffer(width: outWidth, height: outHeight, pixels: padded)
    }

    /// Target size of the resize step, computed as transformers' `get_resize_output_image_size` does.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        switch resize {
        case nil:
            return (width, height)
        case .exact(let w, let h):
            return (w, h)
        case .shortestEdge(let size):
            let short = min(width, height), long = max(width, height)
            // Python: int(size * long / short), a true division truncated toward zero. A product beyond Int64
            // (only for absurd config sizes, which are refused later) is approximated instead of trapping.
            let (product, overflow) = size.multipliedReportingOverflow(by: long)
            let quotient = (overflow ? Double(size) * Double(long) : Double(product)) / Double(short)
            let newLong = Int(min(quotient, Double(Int.max / 2)))
            return width <= height ? (size, newLong) : (newLong, size)
        }
    }

    /// Offset of the crop window inside a resized side of `size` (negative when the crop pads).
    func cropOffset(size: Int, crop: Int) -> Int {
        let margin = size - crop
        switch cropRounding {
        case .floor:
            return margin >= 0 ? margin / 2 : -((-margin + 1) / 2)
        case .halfToEven:
            if margin < 0 { return -((-margin) / 2) }  // torchvision pads (crop - size) // 2 on the top/left
            let half = margin / 2
            return margin % 2 == 0 || half % 2 == 0 ? half : half + 1
        }
    }

    /// Rescales and normalizes an 8-bit image into a `[3, H, W]` tensor, with transformers' float
    /// arithmetic (a per-channel table of all 256 values, so the result is identical element by element).
    public func normalize(_ image: ImageBuffer) -> Tensor {
        var table = [Float](repeating: 0, count: 3 * 256)
        for channel in 0..<3 {
            for value in 0..<256 {
                var x: Float
                switch rescale {
                case .multiply(let factor): x = Float(Double(value) * factor)
                case .divide(let divisor): x = Float(value) / divisor
                case nil: x = Float(value)
                }
                if let mean, let std { x = (x - mean[channel]) / std[channel] }
                table[channel * 256 + value] = x
            }
        }
        let plane = image.width * image.height
        return Tensor(shape: [3, image.height, image.width]) { out in
            image.pixels.withUnsafeBufferPointer { src in
                table.withUnsafeBufferPointer { lut in
                    for i in 0..<plane {
                        out[i] = lut[Int(src[3 * i])]
                        out[plane + i] = lut[256 + Int(src[3 * i + 1])]
                        out[2 * plane + i] = lut[512 + Int(src[3 * i + 2])]
                    }
                }
            }
        }
    }
}
