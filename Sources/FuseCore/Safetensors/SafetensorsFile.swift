import Foundation

/// A safetensors file, memory-mapped read-only and validated before anything in it is trusted.
///
/// Opening checks the header length (≤ 100 MB and inside the file), that the header is a JSON object, every dtype
/// is known, every shape × dtype size equals its byte span, every span lies inside the data section, and no two
/// spans overlap. After that, reads cannot go out of bounds.
///
/// ```swift
/// let file = try SafetensorsFile(url: URL(fileURLWithPath: "model.safetensors"))
/// let embeddings = try file.tensor("embeddings.word_embeddings.weight")   // F32: zero copy
/// ```
public final class SafetensorsFile: Sendable {
    /// The file this was opened from.
    public let url: URL
    /// Tensor names in data-section order.
    public let names: [String]
    /// The `__metadata__` entries (empty when absent).
    public let metadata: [String: String]
    /// Size of the file in bytes.
    public var fileSize: Int { mapping.size }

    private let mapping: MappedFile
    private let header: SafetensorsHeader

    /// The default bound on the JSON header's length (the Python `safetensors` package uses the same one).
    public static let defaultMaximumHeaderLength = SafetensorsHeader.maximumHeaderLength

    /// Maps and validates the file at `url`; throws a `SafetensorsError` naming the file and what is wrong.
    /// A header longer than `maximumHeaderLength` bytes is refused before it is copied or parsed.
    public init(url: URL, maximumHeaderLength: Int = SafetensorsFile.defaultMaximumHeaderLength) throws {
        let mapping = try MappedFile(url: url)
        header = try SafetensorsHeader(
            bytes: mapping.bytes, size: mapping.size, path: url.path,
            maximumHeaderLength: maximumHeaderLength)
        self.url = url
        self.mapping = mapping
        names = header.names
        metadata = header.metadata
    }

    /// The dtype, shape and byte span of tensor `name`, or nil when there is none.
    public func info(_ name: String) -> TensorInfo? { header.tensors[name] }

    /// Every tensor's entry, in data-section order.
    public var infos: [TensorInfo] { names.compactMap { header.tensors[$0] } }

    /// Tensor `name` as Float32. F32 data aligned to 4 bytes is returned without copying (the tensor keeps the
    /// mapping alive); F16, BF16 and F64 are converted. Integer and boolean tensors throw `wrongDType` (see
    /// `rawBytes(_:)` and `integers(_:)`).
    public func tensor(_ name: String) throws -> Tensor {
        let info = try requireInfo(name)
        guard info.dtype.isFloatingPoint else {
            throw SafetensorsError.wrongDType(
                path: url.path, tensor: name, dtype: info.dtype.rawValue, expected: "F32, F16, BF16 or F64")
        }
        let source = mapping.bytes + header.dataStart + info.dataOffsets.lowerBound
        let count = info.count
        if info.dtype == .f32, Int(bitPattern: source) % MemoryLayout<Float>.alignment == 0 {
            let storage = TensorStorage(
                borrowing: source.assumingMemoryBound(to: Float.self), capacity: count, owner: mapping)
            return try Tensor(shape: info.shape, storage: storage)
        }
        return Tensor(shape: info.shape) { destination in
            guard count > 0 else { return }
            ElementConversion.toFloat32(source, dtype: info.dtype, count: count, into: destination.baseAddress!)
        }
    }

    /// The stored bytes of tensor `name` (a copy), whatever its dtype: little-endian, row-major.
    public func rawBytes(_ name: String) throws -> Data {
        let info = try requireInfo(name)
        return Data(
            bytes: mapping.bytes + header.dataStart + info.dataOffsets.lowerBound, count: info.dataOffsets.count)
    }

    /// An integer or boolean tensor's elements widened to `Int64` (e.g. `position_ids`, token-type buffers).
    /// Floating-point tensors throw `wrongDType`.
    public func integers(_ name: String) throws -> [Int64] {
        let info = try requireInfo(name)
        let source = mapping.bytes + header.dataStart + info.dataOffsets.lowerBound
        let count = info.count
        func load<T: FixedWidthInteger>(_: T.Type) -> [Int64] {
            (0..<count).map {
                Int64(T(littleEndian: source.loadUnaligned(fromByteOffset: $0 * T.bitWidth / 8, as: T.self)))
            }
        }
        switch info.dtype {
        case .i64: return load(Int64.self)
        case .i32: return load(Int32.self)
        case .i16: return load(Int16.self)
        case .i8: return load(Int8.self)
        case .u8, .bool: return load(UInt8.self)
        case .f64, .f32, .f16, .bf16:
            throw SafetensorsError.wrongDType(
                path: url.path, tensor: name, dtype: info.dtype.rawValue, expected: "an integer or BOOL dtype")
        }
    }

    private func requireInfo(_ name: String) throws -> TensorInfo {
        guard let info = header.tensors[name] else {
            throw SafetensorsError.missingTensor(
                path: url.path, tensor: name, nearMisses: NearMisses.names(similarTo: name, among: names))
        }
        return info
    }
}
