import CPNG
import Foundation
import FuseCore
import ImagePatch

/// A small PNG of an image for the results page: the image decoded (any format `ImageDecoder` reads), scaled down
/// with Pillow's antialiased bicubic filter so its longer side is at most `maxSide` pixels (never scaled up), and
/// encoded as an 8-bit RGB PNG in memory.
enum Thumbnail {
    /// The longest side of a thumbnail, in pixels.
    static let maxSide = 128

    /// The PNG bytes of the thumbnail of the image in `data`; `name` is used in errors.
    ///
    /// - Throws: `ImageError` when the image cannot be decoded, `FuseError.writeFailed` when libpng fails.
    static func png(of data: Data, name: String, maxSide: Int = maxSide) throws -> Data {
        let image = try ImageDecoder().decode(data, name: name)
        let scale = min(1, Double(maxSide) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        let small =
            scale < 1 ? try PillowResampler.resize(image, width: width, height: height, filter: .bicubic) : image
        return try encodePNG(small, name: name)
    }

    /// `image` as PNG bytes (libpng's simplified API, written to memory).
    static func encodePNG(_ image: ImageBuffer, name: String) throws -> Data {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = png_uint_32(PNG_FORMAT_RGB)
        defer { png_image_free(&png) }
        let stride = png_int_32(image.width * 3)
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        let measured = image.pixels.withUnsafeBytes { pixels in
            png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, stride, nil)
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let written =
            measured != 0 && size > 0
            ? image.pixels.withUnsafeBytes { pixels in
                bytes.withUnsafeMutableBytes { out in
                    png_image_write_to_memory(&png, out.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
                }
            } : 0
        guard written != 0 else {
            let message = withUnsafeBytes(of: png.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw FuseError.writeFailed(path: name, reason: "libpng could not encode the thumbnail: \(message)")
        }
        return Data(bytes.prefix(Int(size)))
    }
}
