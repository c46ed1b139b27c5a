#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import FuseCore

/// A shared library opened with `dlopen`. It is never closed: Swift and C++ plugins register run-time state
/// (type metadata, thread-local destructors) that would dangle after `dlclose`, and plugins live for the process.
final class SharedLibrary: Sendable {
    /// The path the library was opened from, as given (used in every error message).
    let path: String
    // A `dlopen` handle is an opaque token, safe to use from any thread.
    nonisolated(unsafe) private let handle: UnsafeMutableRawPointer

    /// Opens the library at `url`, checking first that it is a regular file starting with an ELF or Mach-O header,
    /// so a text file or archive gets a clear error rather than a linker message.
    init(url: URL) throws {
        path = url.path
        try FuseError.requireFile(url)
        try Self.requireObjectFileHeader(path: path)
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw PluginLoadError.notASharedLibrary(library: path, reason: Self.lastDLError() ?? "dlopen failed")
        }
        self.handle = handle
    }

    /// The address of an exported symbol, or nil when the library does not export it.
    func symbol(named name: String) -> UnsafeMutableRawPointer? {
        _ = dlerror()  // clears a stale message so a later failure reports its own
        return dlsym(handle, name)
    }

    private static func lastDLError() -> String? {
        guard let message = dlerror() else { return nil }
        return String(cString: message)
    }

    /// ELF (`\x7FELF`) or Mach-O (32/64-bit, either byte order, or universal) magic numbers.
    private static let objectMagics: [[UInt8]] = [
        [0x7F, 0x45, 0x4C, 0x46],
        [0xFE, 0xED, 0xFA, 0xCE], [0xCE, 0xFA, 0xED, 0xFE],
        [0xFE, 0xED, 0xFA, 0xCF], [0xCF, 0xFA, 0xED, 0xFE],
        [0xCA, 0xFE, 0xBA, 0xBE],
    ]

    private static func requireObjectFileHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FuseError.unreadable(path: path, reason: "permission denied or not a regular file")
        }
        defer { try? handle.close() }
        let head = Array((try? handle.read(upToCount: 4)) ?? Data())
        guard objectMagics.contains(head) else {
            let shown = head.map { String(format: "%02x", $0) }.joined(separator: " ")
            throw PluginLoadError.notASharedLibrary(
                library: path, reason: "no ELF or Mach-O header (first bytes: \(shown.isEmpty ? "none" : shown))")
        }
    }
}
