import Foundation

/// The validated header of a safetensors file: every entry checked against the file before any byte is trusted.
///
/// Layout: 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON, then the data section. The JSON maps
/// tensor names to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data section), plus an
/// optional `"__metadata__"` object of strings.
struct SafetensorsHeader: Sendable {
    /// Header lengths above this are refused (the Python `safetensors` package uses the same bound).
    static let maximumHeaderLength = 100_000_000

    let tensors: [String: TensorInfo]
    /// Tensor names in data-section order.
    let names: [String]
    let metadata: [String: String]
    /// Byte offset of the data section from the start of the file.
    let dataStart: Int

    /// Parses and validates the header of `bytes` (`size` bytes of the file at `path`).
    init(bytes: UnsafeRawPointer, size: Int, path: String, maximumHeaderLength: Int = Self.maximumHeaderLength) throws {
        guard size >= 8 else { throw SafetensorsError.truncated(path: path, size: size) }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(max(0, maximumHeaderLength)) else {
            throw SafetensorsError.headerTooLarge(path: path, headerLength: headerLength, limit: maximumHeaderLength)
        }
        guard Int(headerLength) <= size - 8 else {
            throw SafetensorsError.headerLengthExceedsFile(path: path, headerLength: headerLength, fileSize: size)
        }
        dataStart = 8 + Int(headerLength)
        let dataSize = size - dataStart

        let json = Data(bytes: bytes + 8, count: Int(headerLength))
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw SafetensorsError.headerNotJSON(path: path, reason: JSONErrorReason.describe(error, in: json))
        }
        guard let object = root as? [String: Any] else {
            throw SafetensorsError.headerNotJSON(path: path, reason: "top level is \(type(of: root)), not an object")
        }

        var metadata: [String: String] = [:]
        if let raw = object["__metadata__"] {
            guard let entries = raw as? [String: Any] else {
                throw SafetensorsError.invalidMetadata(path: path, reason: "not an object")
            }
            for (key, value) in entries {
                guard let text = value as? String else {
                    throw SafetensorsError.invalidMetadata(path: path, reason: "value of '\(key)' is not a string")
                }
                metadata[key] = text
            }
        }
        self.metadata = metadata

        var tensors: [String: TensorInfo] = [:]
        for (name, entry) in object where name != "__metadata__" {
            tensors[name] = try Self.parseEntry(name: name, entry: entry, dataSize: dataSize, path: path)
        }
        let ordered = tensors.values.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        // Sorted by start, spans overlap exactly when one starts before its predecessor ends. Empty tensors occupy
        // no bytes and overlap nothing.
        var previous: TensorInfo?
        for info in ordered where !info.dataOffsets.isEmpty {
            if let previous, info.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
                throw SafetensorsError.overlappingTensors(path: path, first: previous.name, second: info.name)
            }
            previous = info
        }
        self.tensors = tensors
        names = ordered.map(\.name)
    }

    private static func parseEntry(name: String, entry: Any, dataSize: Int, path: String) throws -> TensorInfo {
        guard let fields = entry as? [String: Any] else {
            throw SafetensorsError.invalidHeader(path: path, tensor: name, reason: "entry is not an object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw SafetensorsError.invalidHeader(path: path, tensor: name, reason: "missing or non-string 'dtype'")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard let rawShape = fields["shape"] as? [Any] else {
            throw SafetensorsError.badShape(
                path: path, tensor: name, shape: String(describing: fields["shape"] ?? "(missing)"))
        }
        let shape = rawShape.compactMap(JSONNumber.exactInteger)
        guard shape.count == rawShape.count, let count = Tensor.elementCount(ofShape: shape) else {
            throw SafetensorsError.badShape(path: path, tensor: name, shape: "\(rawShape)")
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
            let begin = JSONNumber.exactInteger(offsets[0]), let end = JSONNumber.exactInteger(offsets[1])
        else {
            throw SafetensorsError.invalidHeader(
                path: path, tensor: name, reason: "'data_offsets' must be two integers [begin, end]")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw SafetensorsError.offsetsOutOfRange(
                path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, expectedBytes == end - begin else {
            throw SafetensorsError.shapeByteMismatch(
                path: path, tensor: name, shape: shape, dtype: dtype.rawValue,
                expectedBytes: overflow ? Int.max : expectedBytes, actualBytes: end - begin)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }
}
