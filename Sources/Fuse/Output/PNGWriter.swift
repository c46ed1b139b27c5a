import CPNG
import Foundation
import FuseCore

/// Writes 8-bit RGB images as PNG through libpng, atomically (temporary file, then rename).
enum PNGWriter {
    /// Writes `pixels` (`height × width × 3`) to `url`; an existing file is replaced only when `overwrite`.
    static func writeRGB(_ pixels: [UInt8], width: Int, height: Int, to url: URL, overwrite: Bool) throws {
        let temporary = try writeRGBStaged(pixels, width: width, height: height, for: url, overwrite: overwrite)
        try OutputFile.commit(temporary, to: url)
    }

    /// Writes the PNG to a temporary file beside `url` and returns it, for the caller to commit with
    /// `OutputFile.commit` once everything else it writes has succeeded.
    static func writeRGBStaged(_ pixels: [UInt8], width: Int, height: Int, for url: URL, overwrite: Bool) throws -> URL
    {
        try OutputFile.checkWritable(url, overwrite: overwrite)
        let temporary = OutputFile.temporarySibling(of: url)
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        let ok = pixels.withUnsafeBytes { buffer in
            png_image_write_to_file(&image, temporary.path, 0, buffer.baseAddress, png_int_32(width * 3), nil)
        }
        defer { png_image_free(&image) }
        guard ok != 0 else {
            let message = withUnsafeBytes(of: image.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            try? FileManager.default.removeItem(at: temporary)
            throw FuseError.writeFailed(path: url.path, reason: "libpng: \(message)")
        }
        return temporary
    }
}
