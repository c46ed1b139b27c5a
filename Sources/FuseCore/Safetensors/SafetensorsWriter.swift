import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes safetensors files that the Python `safetensors` package (and `SafetensorsFile`) read back.
///
/// The file is written to a temporary name beside the destination, flushed, then moved into place, so readers
/// never see a half-written file and a failed write leaves nothing behind. An existing destination is replaced only
/// with `overwrite: true`.
///
/// ```swift
/// try SafetensorsWriter.write([("embedding", .float32(vector))], metadata: ["format": "pt"], to: url)
/// ```
public enum SafetensorsWriter {
    /// One tensor's data and shape.
    public enum Payload: Sendable {
        case float32(Tensor)
        case int32([Int32], shape: [Int])
        case int64([Int64], shape: [Int])
        case uint8([UInt8], shape: [Int])

        var dtype: SafetensorsDType {
            switch self {
            case .float32: return .f32
            case .int32: return .i32
            case .int64: return .i64
            case .uint8: return .u8
            }
        }

        var shape: [Int] {
            switch self {
            case .float32(let tensor): return tensor.shape
            case .int32(_, let shape), .int64(_, let shape), .uint8(_, let shape): return shape
            }
        }

        var count: Int {
            switch self {
            case .float32(let tensor): return tensor.count
            case .int32(let values, _): return values.count
            case .int64(let values, _): return values.count
            case .uint8(let values, _): return values.count
            }
        }

        /// Calls `body` with the little-endian bytes (Fuse targets little-endian hosts).
        func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            switch self {
            case .float32(let tensor):
                return try tensor.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
            case .int32(let values, _): return try values.withUnsafeBytes(body)
            case .int64(let values, _): return try values.withUnsafeBytes(body)
            case .uint8(let values, _): return try values.withUnsafeBytes(body)
            }
        }
    }

    /// Writes Float32 tensors, in name order.
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL, overwrite: Bool = false
    ) throws {
        try write(
            tensors.sorted { $0.key < $1.key }.map { ($0.key, .float32($0.value)) },
            metadata: metadata, to: url, overwrite: overwrite)
    }

    /// Writes `tensors` in the given order with optional `__metadata__`.
    public static func write(
        _ tensors: [(name: String, payload: Payload)], metadata: [String: String] = [:], to url: URL,
        overwrite: Bool = false
    ) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw SafetensorsError.isDirectory(path: path) }
            if !overwrite { throw SafetensorsError.outputExists(path: path) }
        }
        let header = try headerBytes(tensors, metadata: metadata, path: path)

        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SafetensorsError.writeFailed(path: path, reason: lastError()) }
        var committed = false
        defer { if !committed { unlink(temporary.path) } }
        do {
            defer { close(descriptor) }
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writeAll(descriptor, $0, path: path) }
            try header.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
            for entry in tensors { try entry.payload.withBytes { try writeAll(descriptor, $0, path: path) } }
            guard fsync(descriptor) == 0 else { throw SafetensorsError.writeFailed(path: path, reason: lastError()) }
        }
        if overwrite {
            guard rename(temporary.path, path) == 0 else {
                throw SafetensorsError.writeFailed(path: path, reason: lastError())
            }
        } else {
            // link(2) refuses an existing destination atomically, closing the gap after the check above.
            guard link(temporary.path, path) == 0 else {
                if errno == EEXIST { throw SafetensorsError.outputExists(path: path) }
                throw SafetensorsError.writeFailed(path: path, reason: lastError())
            }
            unlink(temporary.path)
        }
        committed = true
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes so the data section stays 8-byte aligned.
    static func headerBytes(
        _ tensors: [(name: String, payload: Payload)], metadata: [String: String], path: String
    ) throws -> [UInt8] {
        var object: [String: Any] = [:]
        if !metadata.isEmpty { object["__metadata__"] = metadata }
        var offset = 0
        for (name, payload) in tensors {
            guard !name.isEmpty, name != "__metadata__" else {
                throw SafetensorsError.invalidTensorToWrite(path: path, tensor: name, reason: "reserved or empty name")
            }
            guard object[name] == nil else {
                throw SafetensorsError.invalidTensorToWrite(path: path, tensor: name, reason: "duplicate name")
            }
            let shape = payload.shape
            guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == payload.count else {
                throw SafetensorsError.invalidTensorToWrite(
                    path: path, tensor: name, reason: "shape \(shape) does not hold \(payload.count) elements")
            }
            let byteCount = payload.count * payload.dtype.size
            object[name] = [
                "dtype": payload.dtype.rawValue, "shape": shape, "data_offsets": [offset, offset + byteCount],
            ]
            offset += byteCount
        }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        bytes.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var written = 0
        while written < buffer.count {
            let result = posixWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw SafetensorsError.writeFailed(path: path, reason: lastError())
            }
            written += result
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// `write(2)`, reachable under another name inside `SafetensorsWriter`, whose own `write` shadows it.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
