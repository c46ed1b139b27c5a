#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FusePluginKit

/// A NumPy `.npy` array (format versions 1–3, little-endian `f2`/`f4`/`f8`/`i1`…`i8`/`u1`…`u4`, C or Fortran order).
///
/// Format: the magic `\x93NUMPY`, a version byte pair, a little-endian header length (2 bytes in v1, 4 in v2/v3),
/// then an ASCII Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, then the data.
struct NpyArray {
    enum Element { case float(bytes: Int), signed(bytes: Int), unsigned(bytes: Int) }

    let shape: [Int]
    let element: Element
    let fortranOrder: Bool
    let data: [UInt8]

    init(contentsOf path: String) throws {
        let bytes = try Self.readFile(path)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw PluginError("not a .npy file (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let (headerLength, headerStart): (Int, Int)
        switch major {
        case 1: (headerLength, headerStart) = (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
        case 2, 3:
            guard bytes.count >= 12 else { throw PluginError("truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default: throw PluginError(".npy format version \(major) is not supported (1, 2 or 3)")
        }
        guard headerStart + headerLength <= bytes.count else { throw PluginError("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let descr = try Self.field("descr", in: header)
        element = try Self.element(descr)
        fortranOrder = try Self.field("fortran_order", in: header) == "True"
        shape = try Self.shape(try Self.field("shape", in: header))
        let count = shape.reduce(1, *)
        let size = switch element { case .float(let b), .signed(let b), .unsigned(let b): b }
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart == count * size else {
            throw PluginError("data holds \(bytes.count - dataStart) bytes, shape \(shape) of \(descr) needs \(count * size)")
        }
        data = Array(bytes[dataStart...])
    }

    func pluginOutput() throws -> PluginOutput {
        switch (element, shape.count) {
        case (.float, 1): return .features(try floats(), rows: shape[0], columns: 1)
        case (.float, 2): return .features(try floats(), rows: shape[0], columns: shape[1])
        case (.signed, 1), (.unsigned, 1): return .ids(try ids())
        default: throw PluginError("shape \(shape) of this dtype is not supported: use [T, P] floats or [N] integers")
        }
    }

    /// The elements as Float in row-major order.
    private func floats() throws -> [Float] {
        guard case .float(let size) = element else { throw PluginError("not a float array") }
        let values: [Float] = (0..<shape.reduce(1, *)).map { index in
            let bits = littleEndian(at: index * size, size: size)
            switch size {
            case 2: return Float(Float16(bitPattern: UInt16(bits)))
            case 4: return Float(bitPattern: UInt32(bits))
            default: return Float(Double(bitPattern: bits))
            }
        }
        guard fortranOrder, shape.count == 2 else { return values }
        // Fortran order stores columns contiguously: transpose into row-major.
        let (rows, columns) = (shape[0], shape[1])
        return (0..<(rows * columns)).map { values[($0 % columns) * rows + $0 / columns] }
    }

    private func ids() throws -> [Int32] {
        let size: Int, signed: Bool
        switch element {
        case .signed(let b): (size, signed) = (b, true)
        case .unsigned(let b): (size, signed) = (b, false)
        case .float: throw PluginError("not an integer array")
        }
        return try (0..<shape[0]).map { index in
            let bits = littleEndian(at: index * size, size: size)
            let shift = UInt64(64 - 8 * size)
            let value = signed ? Int64(bitPattern: bits << shift) >> Int64(shift) : Int64(bitPattern: bits)
            guard let id = Int32(exactly: value), id >= 0 else {
                throw PluginError("id \(value) at index \(index) is not a token id (0 ..< 2^31)")
            }
            return id
        }
    }

    private func littleEndian(at offset: Int, size: Int) -> UInt64 {
        (0..<size).reduce(UInt64(0)) { $0 | UInt64(data[offset + $1]) << (8 * UInt64($1)) }
    }

    private static func element(_ descr: String) throws -> Element {
        let stripped = descr.trimmingQuotes
        guard stripped.count == 3, let size = Int(String(stripped.suffix(1))),
              stripped.first == "<" || stripped.first == "|" || (stripped.first == "=" && 1.littleEndian == 1)
        else { throw PluginError("dtype \(descr) is not supported (little-endian f2/f4/f8 or i/u integers)") }
        switch (stripped.dropFirst().first, size) {
        case ("f", 2), ("f", 4), ("f", 8): return .float(bytes: size)
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): return .signed(bytes: size)
        case ("u", 1), ("u", 2), ("u", 4): return .unsigned(bytes: size)
        default: throw PluginError("dtype \(descr) is not supported (little-endian f2/f4/f8 or i/u integers)")
        }
    }

    /// The raw text of one value in the header dict, e.g. `'<f4'`, `False`, `(3, 4)`.
    private static func field(_ key: String, in header: String) throws -> String {
        guard let keyRange = header.firstRange(of: "'\(key)':") else { throw PluginError("header has no '\(key)'") }
        var rest = header[keyRange.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw PluginError("header '\(key)' is unterminated") }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return String(rest).trimmingCharacters(in: " ")
    }

    private static func shape(_ text: String) throws -> [Int] {
        let inner = text.dropFirst().dropLast()
        let parts = inner.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        let dims = parts.compactMap { Int($0) }
        guard dims.count == parts.count, dims.allSatisfy({ $0 >= 0 }) else {
            throw PluginError("shape \(text) is not a tuple of sizes")
        }
        return dims
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw PluginError("cannot open: \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<got])
            if got < chunk.count { break }
        }
        guard ferror(file) == 0 else { throw PluginError("read error") }
        return bytes
    }
}

private extension String {
    var trimmingQuotes: String { trimmingCharacters(in: "'\"") }
    func trimmingCharacters(in set: String) -> String {
        let unwanted = Set(set)
        let head = self.drop { unwanted.contains($0) }
        return String(String(head.reversed()).drop { unwanted.contains($0) }.reversed())
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
