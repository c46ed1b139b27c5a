import CFusePluginABI
import FuseCore

/// A plugin descriptor read from C and checked: the strings and claims copied into Swift values, the function
/// pointers proven non-null.
public struct PluginDescriptor: Sendable {
    /// The descriptor's ABI version (always `PluginDescriptor.supportedABIVersion` once read).
    public let abiVersion: UInt32
    /// The id the plugin gives itself.
    public let id: String
    /// The modality of the samples it produces.
    public let modality: Modality
    /// Extensions, MIME types and magic signatures it claims.
    public let claims: PluginClaims
    let entryPoints: PluginEntryPoints

    /// The ABI version this build of Fuse loads (`FUSE_PLUGIN_ABI_VERSION`).
    public static let supportedABIVersion = UInt32(FUSE_PLUGIN_ABI_VERSION)
    /// The name of the exported entry function (`FUSE_PLUGIN_ENTRY_SYMBOL`).
    public static let entrySymbol = "fuse_plugin_entry"

    /// Upper bound on each claim list: a larger count means the descriptor is garbage, not a real plugin.
    static let maxClaims = 4096

    /// Reads and checks the descriptor at `raw`, which `library` (a path, for messages) returned.
    ///
    /// The version is read on its own first: a descriptor from another ABI version may have another layout, so
    /// nothing else is read from it.
    public static func read(_ raw: UnsafeRawPointer, library: String) throws -> PluginDescriptor {
        let version = raw.load(as: UInt32.self)
        guard version == supportedABIVersion else {
            throw PluginLoadError.abiVersionMismatch(library: library, found: version, supported: supportedABIVersion)
        }
        let size = raw.load(fromByteOffset: 4, as: UInt32.self)
        let expectedSize = MemoryLayout<fuse_plugin_descriptor>.size
        guard Int(size) >= expectedSize else {
            throw PluginLoadError.invalidDescriptor(
                library: library, field: "descriptor_size",
                reason: "\(size) bytes, but an ABI \(version) descriptor has \(expectedSize)")
        }
        let d = raw.load(as: fuse_plugin_descriptor.self)
        guard let decode = d.decode else { throw PluginLoadError.nullFunction(library: library, function: "decode") }
        guard let free = d.free_result else {
            throw PluginLoadError.nullFunction(library: library, function: "free_result")
        }
        guard let lastError = d.last_error else {
            throw PluginLoadError.nullFunction(library: library, function: "last_error")
        }
        guard d.reserved == 0 else {
            throw PluginLoadError.invalidDescriptor(library: library, field: "reserved", reason: "must be 0")
        }
        let reader = FieldReader(library: library)
        let id = try reader.identifier(d.id, field: "id")
        let modality = try reader.identifier(d.modality, field: "modality")
        let extensions = try reader.strings(d.extensions, count: d.extension_count, field: "extensions")
        for ext in extensions where ext.hasPrefix(".") || ext.contains("/") || ext.contains(where: \.isWhitespace) {
            throw PluginLoadError.invalidDescriptor(
                library: library, field: "extensions", reason: "'\(ext)' must be a bare extension such as \"csv\"")
        }
        let mimeTypes = try reader.strings(d.mime_types, count: d.mime_type_count, field: "mime_types")
        let signatures = try reader.signatures(d.signatures, count: d.signature_count)
        return PluginDescriptor(
            abiVersion: version, id: id, modality: Modality(modality),
            claims: PluginClaims(extensions: extensions, mimeTypes: mimeTypes, signatures: signatures),
            entryPoints: PluginEntryPoints(context: d.context, decode: decode, freeResult: free, lastError: lastError))
    }
}

/// The plugin's functions and its context pointer.
///
/// `@unchecked Sendable`: the ABI requires `decode` to be callable from several threads at once and the context is
/// only ever handed back to the plugin, never dereferenced by Fuse.
struct PluginEntryPoints: @unchecked Sendable {
    let context: UnsafeMutableRawPointer?
    let decode: fuse_plugin_decode_fn
    let freeResult: fuse_plugin_free_result_fn
    let lastError: fuse_plugin_last_error_fn
}

/// Copies C fields into Swift values, rejecting what a real plugin would never hand over.
private struct FieldReader {
    let library: String

    func fail(_ field: String, _ reason: String) -> PluginLoadError {
        .invalidDescriptor(library: library, field: field, reason: reason)
    }

    func string(_ pointer: UnsafePointer<CChar>?, field: String) throws -> String {
        guard let pointer else { throw fail(field, "NULL string") }
        guard let value = String(validatingCString: pointer) else { throw fail(field, "not valid UTF-8") }
        return value
    }

    /// A name made of letters, digits, `.`, `_` and `-`, starting with a letter or digit.
    func identifier(_ pointer: UnsafePointer<CChar>?, field: String) throws -> String {
        let value = try string(pointer, field: field)
        guard PluginName.isValid(value) else {
            throw fail(field, "'\(value)' must be letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        return value
    }

    func strings(_ array: UnsafePointer<UnsafePointer<CChar>?>?, count: UInt32, field: String) throws -> [String] {
        guard count > 0 else { return [] }
        guard count <= PluginDescriptor.maxClaims else { throw fail(field, "count \(count) is implausibly large") }
        guard let array else { throw fail(field, "NULL array with count \(count)") }
        return try (0..<Int(count)).map { index in
            let value = try string(array[index], field: "\(field)[\(index)]")
            guard !value.isEmpty else { throw fail("\(field)[\(index)]", "empty string") }
            return value
        }
    }

    func signatures(_ array: UnsafePointer<fuse_plugin_signature>?, count: UInt32) throws -> [MagicSignature] {
        guard count > 0 else { return [] }
        guard count <= PluginDescriptor.maxClaims else {
            throw fail("signatures", "count \(count) is implausibly large")
        }
        guard let array else { throw fail("signatures", "NULL array with count \(count)") }
        return try (0..<Int(count)).map { index in
            let signature = array[index]
            let field = "signatures[\(index)]"
            guard signature.length > 0, let bytes = signature.bytes else { throw fail(field, "no bytes") }
            // Fuse sniffs a fixed prefix; a signature reaching past it could never match.
            let end = Int(signature.offset) + Int(signature.length)
            guard end <= PluginRegistry.sniffLength else {
                throw fail(
                    field,
                    "bytes \(signature.offset)..<\(end) reach past the \(PluginRegistry.sniffLength) "
                        + "bytes Fuse reads for sniffing")
            }
            return MagicSignature(
                offset: Int(signature.offset),
                bytes: Array(UnsafeBufferPointer(start: bytes, count: Int(signature.length))))
        }
    }
}

/// The rule for plugin ids and registered names.
public enum PluginName {
    /// Letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64,
            ("0"..."9").contains(first) || ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "." || scalar == "_" || scalar == "-"
        }
    }
}
