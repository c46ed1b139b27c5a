/// The element types a safetensors file may declare, by their header spelling.
public enum SafetensorsDType: String, Sendable, CaseIterable, Equatable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// True for the types `SafetensorsFile.tensor(_:)` converts to Float32.
    public var isFloatingPoint: Bool { self == .f64 || self == .f32 || self == .f16 || self == .bf16 }
}

/// A tensor's entry in a safetensors header, after validation.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Byte range inside the data section (after the header).
    public let dataOffsets: Range<Int>

    /// Number of elements (`shape` product; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
}

/// Conversions from stored element types to Float32, over raw (possibly unaligned) little-endian bytes.
enum ElementConversion {
    /// Writes `count` Float32 values decoded from `source` (laid out as `dtype`) to `destination`.
    static func toFloat32(
        _ source: UnsafeRawPointer, dtype: SafetensorsDType, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        Kernels.parallelChunks(count: count, grain: 1 << 18) { range in
            switch dtype {
            case .f32:
                UnsafeMutableRawPointer(destination + range.lowerBound).copyMemory(
                    from: source + range.lowerBound * 4, byteCount: range.count * 4)
            case .f16:
                for index in range {
                    let bits = source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)
                    destination[index] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
                }
            case .bf16:
                for index in range {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
                    destination[index] = Float(bitPattern: UInt32(bits) << 16)
                }
            case .f64:
                for index in range {
                    let bits = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                    destination[index] = Float(Double(bitPattern: bits))
                }
            case .i64, .i32, .i16, .i8, .u8, .bool:
                preconditionFailure("integer dtypes are rejected before conversion")
            }
        }
    }
}
