import CImageShims
import Foundation

/// Decodes PNG and JPEG files to 8-bit RGB through the system's libpng and libjpeg-turbo.
///
/// The conversion to RGB matches Pillow's `Image.open(path).convert("RGB")`: palettes are expanded, alpha and
/// palette transparency are dropped (not composited), 16-bit samples keep their high byte except 16-bit grey,
/// which Pillow clips at 255, and CMYK/YCCK JPEGs use Adobe's inverted polarity and Pillow's CMYK→RGB formula.
///
/// ```swift
/// let image = try ImageDecoder().decode(contentsOf: URL(fileURLWithPath: "cat.jpg"))
/// ```
public struct ImageDecoder: Sendable {
    /// Pillow's decompression-bomb error threshold (`2 * Image.MAX_IMAGE_PIXELS`).
    public static let defaultMaxPixels = 2 * (1024 * 1024 * 1024 / 4 / 3)

    /// Largest accepted `width * height`; checked from the header before pixel memory is allocated.
    public var maxPixels: Int

    public init(maxPixels: Int = ImageDecoder.defaultMaxPixels) {
        self.maxPixels = maxPixels
    }

    /// The container formats the decoder reads.
    public enum Format: String, Sendable {
        case png = "PNG"
        case jpeg = "JPEG"

        /// Identifies a format from the first bytes of a file.
        public init?(prefix: some Collection<UInt8>) {
            if prefix.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
                self = .png
            } else if prefix.starts(with: [0xFF, 0xD8, 0xFF]) {
                self = .jpeg
            } else {
                return nil
            }
        }
    }

    /// Reads and decodes an image file.
    public func decode(contentsOf url: URL) throws -> ImageBuffer {
        try FuseError.requireFile(url)
        let data: Data
        do {
            data = try FileContents.data(at: url, options: .mappedIfSafe)
        } catch {
            throw FuseError.unreadable(path: url.path, reason: FileErrorReason.describe(error))
        }
        return try decode(data, name: url.path)
    }

    /// Decodes PNG or JPEG bytes; `name` is used in error messages.
    public func decode(_ data: Data, name: String = "<memory>") throws -> ImageBuffer {
        guard !data.isEmpty else { throw ImageError.empty(file: name) }
        guard let format = Format(prefix: data.prefix(8)) else { throw ImageError.unrecognizedFormat(file: name) }
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            switch format {
            case .png: return try decodePNG(bytes, name: name)
            case .jpeg: return try decodeJPEG(bytes, name: name)
            }
        }
    }

    /// Checks the header's dimensions and returns the RGB byte count to allocate.
    private func checkedByteCount(width: UInt32, height: UInt32, name: String) throws -> Int {
        let w = Int(width), h = Int(height)
        guard w > 0, h > 0 else { throw ImageError.zeroDimension(file: name, width: w, height: h) }
        guard w * h <= maxPixels else {
            throw ImageError.tooManyPixels(file: name, width: w, height: h, limit: maxPixels)
        }
        return w * h * 3
    }

    private func decodePNG(_ bytes: UnsafeBufferPointer<UInt8>, name: String) throws -> ImageBuffer {
        guard let reader = fuse_png_open(bytes.baseAddress, bytes.count) else {
            throw ImageError.corrupt(file: name, format: "PNG", reason: "out of memory creating the decoder")
        }
        defer { fuse_png_close(reader) }
        var width: UInt32 = 0, height: UInt32 = 0
        var colorType: Int32 = 0, bitDepth: Int32 = 0, interlaced: Int32 = 0
        guard fuse_png_read_header(reader, &width, &height, &colorType, &bitDepth, &interlaced) == 0 else {
            throw ImageError.corrupt(file: name, format: "PNG", reason: String(cString: fuse_png_message(reader)))
        }
        let count = try checkedByteCount(width: width, height: height, name: name)
        var failed = false
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            failed = fuse_png_read_rgb(reader, buffer.baseAddress) != 0
            if failed { buffer.initialize(repeating: 0) }
            initialized = count
        }
        if failed {
            throw ImageError.corrupt(file: name, format: "PNG", reason: String(cString: fuse_png_message(reader)))
        }
        return try ImageBuffer(width: Int(width), height: Int(height), pixels: pixels)
    }

    private func decodeJPEG(_ bytes: UnsafeBufferPointer<UInt8>, name: String) throws -> ImageBuffer {
        guard let reader = fuse_jpeg_open(bytes.baseAddress, bytes.count) else {
            throw ImageError.corrupt(file: name, format: "JPEG", reason: "out of memory creating the decoder")
        }
        defer { fuse_jpeg_close(reader) }
        var width: UInt32 = 0, height: UInt32 = 0
        var components: Int32 = 0, colorSpace: Int32 = 0
        guard fuse_jpeg_read_header(reader, &width, &height, &components, &colorSpace) == 0 else {
            throw ImageError.corrupt(file: name, format: "JPEG", reason: String(cString: fuse_jpeg_message(reader)))
        }
        let count = try checkedByteCount(width: width, height: height, name: name)
        var failed = false
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            failed = fuse_jpeg_read_rgb(reader, buffer.baseAddress) != 0
            if failed { buffer.initialize(repeating: 0) }
            initialized = count
        }
        if failed {
            throw ImageError.corrupt(file: name, format: "JPEG", reason: String(cString: fuse_jpeg_message(reader)))
        }
        return try ImageBuffer(width: Int(width), height: Int(height), pixels: pixels)
    }
}
