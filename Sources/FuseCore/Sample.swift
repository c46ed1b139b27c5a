/// An 8-bit RGB image, rows top to bottom, pixels interleaved (`height × width × 3`).
public struct ImageBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes, R G B per pixel.
    public let pixels: [UInt8]

    /// Creates an image; throws when the pixel count does not match the dimensions.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else {
            throw FuseError.invalidArgument(what: "image", reason: "zero width or height (\(width)×\(height))")
        }
        guard pixels.count == width * height * 3 else {
            throw FuseError.shapeMismatch(what: "RGB pixels", expected: [height, width, 3], actual: [pixels.count])
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Mono audio as floating-point samples in [-1, 1] at a given rate.
public struct AudioBuffer: Sendable, Equatable {
    public let samples: [Float]
    public let sampleRate: Int

    public init(samples: [Float], sampleRate: Int) throws {
        guard sampleRate > 0 else {
            throw FuseError.invalidArgument(what: "audio", reason: "sample rate must be positive, got \(sampleRate)")
        }
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Duration in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// A decoded input, before tokenization: what a plugin's `decode` returns.
public enum Sample: Sendable {
    case text(String)
    case image(ImageBuffer)
    case audio(AudioBuffer)
    /// Continuous features of a plugin-defined modality, `[T, P]` (T feature vectors of width P).
    case features(Tensor, modality: Modality)
    /// Discrete ids of a plugin-defined modality.
    case ids([Int32], modality: Modality)

    /// The modality this sample belongs to.
    public var modality: Modality {
        switch self {
        case .text: .text
        case .image: .image
        case .audio: .audio
        case .features(_, let modality), .ids(_, let modality): modality
        }
    }
}
