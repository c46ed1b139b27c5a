import Foundation

/// How a vector leaves the server: optionally truncated to its first `dimensions` and renormalised (Matryoshka
/// style, as OpenAI's `dimensions`), then JSON floats or base64 of little-endian float32 bytes.
public enum VectorEncoding {
    /// The first `dimensions` components, renormalised to unit length. Throws when `dimensions` is not in
    /// 1...vector.count.
    public static func truncate(_ vector: [Float], to dimensions: Int?) throws -> [Float] {
        guard let dimensions else { return vector }
        guard dimensions >= 1, dimensions <= vector.count else {
            throw ServerError.invalidInput(
                "dimensions must be in 1...\(vector.count) for this model, got \(dimensions)")
        }
        guard dimensions < vector.count else { return vector }
        let head = vector.prefix(dimensions)
        let norm = max(head.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return head.map { $0 / norm }
    }

    /// Base64 of the float32 values in little-endian byte order (what `numpy.frombuffer(…, dtype="<f4")` reads).
    public static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// Decodes `base64(_:)`'s output (for clients and tests).
    public static func floats(base64 string: String) -> [Float]? {
        guard let data = Data(base64Encoded: string), data.count % 4 == 0 else { return nil }
        return stride(from: 0, to: data.count, by: 4).map { offset in
            let bits = data[data.startIndex + offset..<data.startIndex + offset + 4].enumerated()
                .reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
            return Float(bitPattern: bits)
        }
    }
}
