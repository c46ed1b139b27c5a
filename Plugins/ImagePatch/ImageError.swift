import Foundation

/// Errors from decoding and preprocessing images. Each names the file (or `"<memory>"` for in-memory data)
/// and says what is wrong.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are neither PNG nor JPEG.
    case unrecognizedFormat(file: String)
    /// The file is empty.
    case empty(file: String)
    /// The header declares a zero width or height.
    case zeroDimension(file: String, width: Int, height: Int)
    /// The image has more pixels than the decoder's limit (checked before any pixel memory is allocated).
    case tooManyPixels(file: String, width: Int, height: Int, limit: Int)
    /// libpng or libjpeg rejected the data (truncated file, CRC error, broken Huffman table, …).
    case corrupt(file: String, format: String, reason: String)
    /// A preprocessing parameter is unusable (e.g. a zero target size).
    case invalidParameter(what: String, reason: String)

    public var description: String {
        switch self {
        case .unrecognizedFormat(let file):
            return "\(file): not a PNG or JPEG image (unrecognized leading bytes)"
        case .empty(let file):
            return "\(file): the file is empty"
        case .zeroDimension(let file, let width, let height):
            return "\(file): image has a zero dimension (\(width)×\(height))"
        case .tooManyPixels(let file, let width, let height, let limit):
            return "\(file): image of \(width)×\(height) = \(width * height) pixels exceeds the limit of \(limit) "
                + "(a possible decompression bomb)"
        case .corrupt(let file, let format, let reason):
            return "\(file): invalid \(format) data: \(reason)"
        case .invalidParameter(let what, let reason):
            return "\(what): \(reason)"
        }
    }
}
