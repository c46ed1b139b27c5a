#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CFusePluginABI

/// What a Swift plugin's decode closure returns.
public enum PluginOutput: Sendable {
    /// `rows` feature vectors of width `columns`, row-major (`values.count == rows * columns`).
    case features([Float], rows: Int, columns: Int)
    /// A sequence of non-negative token ids.
    case ids([Int32])
}

/// Magic bytes at a fixed offset that identify a plugin's format (Fuse sniffs a file's first 64 bytes).
public struct PluginSignature: Sendable {
    public let offset: Int
    public let bytes: [UInt8]
    public init(offset: Int = 0, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
    }
}

/// Builds the C descriptor of `include/fuse_plugin.h` around a Swift closure, so a Swift plugin is a closure plus one
/// exported function. The plugin stays a plain C-ABI library: Fuse never sees a Swift type from it, so it works with
/// any Fuse build (see PLATFORM-NOTES on why Swift-protocol plugins are fragile).
///
/// ```swift
/// import FusePluginKit
///
/// let plugin = FusePluginExport(id: "npy-features", modality: "features", extensions: ["npy"]) { path in
///     .features(try readMatrix(path), rows: 2, columns: 3)
/// }
///
/// @_cdecl("fuse_plugin_entry")
/// public func fusePluginEntry() -> UnsafeRawPointer { plugin.descriptor }
/// ```
///
/// The closure may run on several threads at once. Errors it throws become the ABI's per-thread `last_error`.
public final class FusePluginExport: @unchecked Sendable {
    // @unchecked: every stored property is written once in `init` and only read afterwards; the C memory it points
    // to is never mutated or freed (the descriptor lives as long as the process, as the ABI requires).
    public typealias Decode = @Sendable (_ path: String) throws -> PluginOutput

    let decodeFile: Decode
    private let pointer: UnsafeMutablePointer<fuse_plugin_descriptor>

    /// A pointer to the descriptor, to return from the `@_cdecl("fuse_plugin_entry")` function.
    public var descriptor: UnsafeRawPointer { UnsafeRawPointer(pointer) }

    public init(
        id: String, modality: String, extensions: [String] = [], mimeTypes: [String] = [],
        signatures: [PluginSignature] = [], decode: @escaping Decode
    ) {
        decodeFile = decode
        pointer = .allocate(capacity: 1)
        var d = fuse_plugin_descriptor()
        d.abi_version = UInt32(FUSE_PLUGIN_ABI_VERSION)
        d.descriptor_size = UInt32(MemoryLayout<fuse_plugin_descriptor>.size)
        d.id = UnsafePointer(strdup(id))
        d.modality = UnsafePointer(strdup(modality))
        d.extensions = Self.cStrings(extensions)
        d.extension_count = UInt32(extensions.count)
        d.mime_types = Self.cStrings(mimeTypes)
        d.mime_type_count = UInt32(mimeTypes.count)
        d.signatures = Self.cSignatures(signatures)
        d.signature_count = UInt32(signatures.count)
        d.decode = exportDecode
        d.free_result = exportFreeResult
        d.last_error = exportLastError
        pointer.initialize(to: d)
        // Retained for the life of the process: the context pointer must stay valid as long as the descriptor.
        pointer.pointee.context = Unmanaged.passRetained(self).toOpaque()
    }

    private static func cStrings(_ strings: [String]) -> UnsafePointer<UnsafePointer<CChar>?>? {
        guard !strings.isEmpty else { return nil }
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count)
        for (index, string) in strings.enumerated() { (array + index).initialize(to: UnsafePointer(strdup(string))) }
        return UnsafePointer(array)
    }

    private static func cSignatures(_ signatures: [PluginSignature]) -> UnsafePointer<fuse_plugin_signature>? {
        guard !signatures.isEmpty else { return nil }
        let array = UnsafeMutablePointer<fuse_plugin_signature>.allocate(capacity: signatures.count)
        for (index, signature) in signatures.enumerated() {
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(signature.bytes.count, 1))
            bytes.initialize(from: signature.bytes, count: signature.bytes.count)
            (array + index).initialize(
                to: fuse_plugin_signature(
                    offset: UInt32(clamping: signature.offset), length: UInt32(signature.bytes.count),
                    bytes: UnsafePointer(bytes)))
        }
        return UnsafePointer(array)
    }

    /// Runs the closure and fills `result`; on failure records the message and leaves `result` empty.
    fileprivate func decode(path: String, into result: inout fuse_plugin_result) -> Int32 {
        do {
            switch try decodeFile(path) {
            case .features(let values, let rows, let columns):
                guard rows >= 0, columns >= 0, rows.multipliedReportingOverflow(by: columns) == (values.count, false)
                else {
                    throw PluginError("plugin produced \(values.count) values for shape [\(rows), \(columns)]")
                }
                let copy = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
                copy.initialize(from: values, count: values.count)
                result.kind = Int32(FUSE_PLUGIN_FEATURES.rawValue)
                result.rows = Int64(rows)
                result.columns = Int64(columns)
                result.count = Int64(values.count)
                result.features = UnsafePointer(copy)
                result.plugin_data = UnsafeMutableRawPointer(copy)
            case .ids(let ids):
                let copy = UnsafeMutablePointer<Int32>.allocate(capacity: max(ids.count, 1))
                copy.initialize(from: ids, count: ids.count)
                result.kind = Int32(FUSE_PLUGIN_IDS.rawValue)
                result.rows = Int64(ids.count)
                result.columns = 1
                result.count = Int64(ids.count)
                result.ids = UnsafePointer(copy)
                result.plugin_data = UnsafeMutableRawPointer(copy)
            }
            return FUSE_PLUGIN_OK
        } catch {
            ThreadError.set("\(error)")
            result = fuse_plugin_result()
            return FUSE_PLUGIN_ERROR
        }
    }
}

// The three C entry points shared by every FusePluginExport; `context` is the export object.

private let exportDecode: fuse_plugin_decode_fn = { context, path, result in
    guard let context, let path, let result else {
        ThreadError.set("decode called with a NULL argument")
        return FUSE_PLUGIN_ERROR
    }
    let export = Unmanaged<FusePluginExport>.fromOpaque(context).takeUnretainedValue()
    return export.decode(path: String(cString: path), into: &result.pointee)
}

private let exportFreeResult: fuse_plugin_free_result_fn = { _, result in
    guard let result else { return }
    // plugin_data holds the single allocation behind `features` or `ids`.
    result.pointee.plugin_data?.deallocate()
    result.pointee = fuse_plugin_result()
}

private let exportLastError: fuse_plugin_last_error_fn = { _ in ThreadError.current() }
