/// What can be wrong with a safetensors file, checkpoint folder or output. Every case names the file (and the
/// tensor, when one is involved) and says what is wrong, so `fuse inspect` and model loaders can print it as is.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file or folder exists at the path.
    case fileNotFound(path: String)
    /// A folder was given where a safetensors file is expected.
    case isDirectory(path: String)
    /// The file could not be opened or mapped.
    case unreadable(path: String, reason: String)
    /// The file has zero bytes.
    case emptyFile(path: String)
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case truncated(path: String, size: Int)
    /// The header length says the JSON header extends past the end of the file.
    case headerLengthExceedsFile(path: String, headerLength: UInt64, fileSize: Int)
    /// The header length is above the 100 MB limit (a corrupt or hostile file).
    case headerTooLarge(path: String, headerLength: UInt64, limit: Int)
    /// The header bytes are not a JSON object.
    case headerNotJSON(path: String, reason: String)
    /// The header is JSON but an entry lacks a field or has one of the wrong type.
    case invalidHeader(path: String, tensor: String?, reason: String)
    /// A tensor's dtype is not one Fuse knows.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's shape has a negative or non-integer dimension, or its element count overflows.
    case badShape(path: String, tensor: String, shape: String)
    /// A tensor's shape × dtype size differs from its byte span.
    case shapeByteMismatch(
        path: String, tensor: String, shape: [Int], dtype: String, expectedBytes: Int, actualBytes: Int)
    /// A tensor's data offsets are reversed or lie outside the data section.
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors' byte spans overlap.
    case overlappingTensors(path: String, first: String, second: String)
    /// The `__metadata__` entry is not an object of strings.
    case invalidMetadata(path: String, reason: String)
    /// No tensor of that name; `nearMisses` lists similar names that do exist.
    case missingTensor(path: String, tensor: String, nearMisses: [String])
    /// The tensor exists but its dtype cannot be read the way it was asked for (e.g. integers as floats).
    case wrongDType(path: String, tensor: String, dtype: String, expected: String)
    /// A folder holds neither `model.safetensors` nor `model.safetensors.index.json`.
    case noCheckpoint(directory: String, found: [String])
    /// `model.safetensors.index.json` is malformed or refers to shards that are unsafe or inconsistent.
    case invalidIndex(path: String, reason: String)
    /// Writing would replace an existing file and the caller did not allow it.
    case outputExists(path: String)
    /// A tensor handed to the writer is inconsistent (shape vs. element count, duplicate or empty name).
    case invalidTensorToWrite(path: String, tensor: String, reason: String)
    /// Writing the output failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file or directory"
        case .isDirectory(let path):
            return "\(path): is a directory, expected a .safetensors file"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read: \(reason)"
        case .emptyFile(let path):
            return "\(path): empty file, not a safetensors file"
        case .truncated(let path, let size):
            return "\(path): truncated: \(size) bytes, shorter than the 8-byte header length"
        case .headerLengthExceedsFile(let path, let length, let size):
            return
                "\(path): header length \(length) runs past the end of the file (\(size) bytes); truncated or not safetensors"
        case .headerTooLarge(let path, let length, let limit):
            return "\(path): header length \(length) exceeds the \(limit)-byte limit; corrupt or not safetensors"
        case .headerNotJSON(let path, let reason):
            return "\(path): header is not a JSON object: \(reason)"
        case .invalidHeader(let path, let tensor, let reason):
            return "\(path): invalid header\(tensor.map { " entry '\($0)'" } ?? ""): \(reason)"
        case .unknownDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)' "
                + "(known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .badShape(let path, let tensor, let shape):
            return "\(path): tensor '\(tensor)' has an invalid shape \(shape)"
        case .shapeByteMismatch(let path, let tensor, let shape, let dtype, let expected, let actual):
            return "\(path): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes "
                + "but its data offsets span \(actual)"
        case .offsetsOutOfRange(let path, let tensor, let begin, let end, let size):
            return
                "\(path): tensor '\(tensor)' has data offsets [\(begin), \(end)) outside the \(size)-byte data section"
        case .overlappingTensors(let path, let first, let second):
            return "\(path): tensors '\(first)' and '\(second)' overlap in the data section"
        case .invalidMetadata(let path, let reason):
            return "\(path): invalid __metadata__: \(reason)"
        case .missingTensor(let path, let tensor, let nearMisses):
            let hint = nearMisses.isEmpty ? "" : "; similar names: \(nearMisses.joined(separator: ", "))"
            return "\(path): no tensor named '\(tensor)'\(hint)"
        case .wrongDType(let path, let tensor, let dtype, let expected):
            return "\(path): tensor '\(tensor)' has dtype \(dtype), expected \(expected)"
        case .noCheckpoint(let directory, let found):
            let listing = found.isEmpty ? "it is empty" : "it holds \(found.prefix(12).joined(separator: ", "))"
            return "\(directory): no model.safetensors or model.safetensors.index.json (\(listing))"
        case .invalidIndex(let path, let reason):
            return "\(path): invalid sharded-checkpoint index: \(reason)"
        case .outputExists(let path):
            return "\(path): already exists and overwriting it was not asked for"
        case .invalidTensorToWrite(let path, let tensor, let reason):
            return "\(path): cannot write tensor '\(tensor)': \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot be written: \(reason)"
        }
    }
}
