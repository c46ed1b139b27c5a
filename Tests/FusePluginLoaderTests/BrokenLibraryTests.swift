import Foundation
import FuseCore
import Testing
@testable import FusePluginLoader

/// Each way a third-party library can be wrong, built for real from `Tests/Fixtures/plugins/test_plugin.c` with one
/// `-D` switch, must be a named error that names the library — never a crash.
@Suite struct BrokenLibraryTests {
    /// Broken at load time: the descriptor or the library itself.
    enum LoadBreak: String, CaseIterable, Sendable {
        case BREAK_ABI_VERSION, BREAK_NO_ENTRY, BREAK_NULL_DESCRIPTOR, BREAK_NULL_FREE, BREAK_BAD_ID,
            BREAK_SIGNATURE_RANGE, BREAK_SHORT_SIZE, BREAK_NULL_EXTENSIONS

        func expected(_ library: String) -> PluginLoadError {
            switch self {
            case .BREAK_ABI_VERSION: .abiVersionMismatch(library: library, found: 2, supported: 1)
            case .BREAK_NO_ENTRY: .missingEntrySymbol(library: library, symbol: "fuse_plugin_entry")
            case .BREAK_NULL_DESCRIPTOR: .nullDescriptor(library: library)
            case .BREAK_NULL_FREE: .nullFunction(library: library, function: "free_result")
            case .BREAK_BAD_ID:
                .invalidDescriptor(
                    library: library, field: "id",
                    reason: "'has spaces/and slash' must be letters, "
                        + "digits, '.', '_' or '-', starting with a letter or digit")
            case .BREAK_SIGNATURE_RANGE:
                .invalidDescriptor(
                    library: library, field: "signatures[0]",
                    reason: "bytes 62..<66 reach past the 64 bytes Fuse reads for sniffing")
            case .BREAK_SHORT_SIZE:
                .invalidDescriptor(
                    library: library, field: "descriptor_size",
                    reason: "16 bytes, but an ABI 1 descriptor has 96")
            case .BREAK_NULL_EXTENSIONS:
                .invalidDescriptor(library: library, field: "extensions", reason: "NULL array with count 1")
            }
        }
    }

    @Test(arguments: LoadBreak.allCases)
    func brokenDescriptorIsANamedError(breakage: LoadBreak) throws {
        let library = try PluginBuilds.testPlugin([breakage.rawValue])
        #expect(throws: breakage.expected(library.path)) { try LoadedPlugin.load(from: library) }
    }

    /// Broken at decode time: the library loads but what `decode` returns is wrong.
    @Test(arguments: [
        (["BREAK_DECODE_ERROR"], "decode failed", "cannot parse x.tbytes: unsupported dialect"),
        (["BREAK_COUNT_MISMATCH"], "impossible", "count = 7 but rows × columns = 3 × 2 = 6"),
        (["BREAK_NEGATIVE_ROWS"], "impossible", "rows = -3; a decoded file must have at least one row"),
        (
            ["BREAK_OVERFLOW_SHAPE"], "impossible",
            "shape [1099511627776, 1099511627776] has more than 2147483648 elements"
        ),
        (["BREAK_NULL_DATA"], "impossible", "features pointer is NULL for 6 values"),
        (["BREAK_KIND"], "impossible", "kind = 9; expected FUSE_PLUGIN_FEATURES (1) or FUSE_PLUGIN_IDS (2)"),
        (["BREAK_NAN"], "impossible", "feature value nan at row 1, column 1 is not finite"),
        (["IDS_MODE", "BREAK_NEGATIVE_ID"], "impossible", "token id -5 at index 2 is negative"),
    ])
    func brokenDecodeIsANamedError(defines: [String], kind: String, message: String) throws {
        let library = try PluginBuilds.testPlugin(defines)
        let plugin = try LoadedPlugin.load(from: library)
        let file = try PluginBuilds.file("x.tbytes", [1, 2, 3])
        let expected: PluginLoadError =
            kind == "decode failed"
            ? .decodeFailed(plugin: "test-bytes", library: library.path, file: file.path, message: message)
            : .impossibleResult(plugin: "test-bytes", library: library.path, file: file.path, reason: message)
        #expect(throws: expected) { try plugin.decode(contentsOf: file) }
    }

    @Test func aTextFileIsNotASharedLibrary() throws {
        let file = try PluginBuilds.file("libfake.so", text: "hello, I am not ELF\n")
        #expect(
            throws: PluginLoadError.notASharedLibrary(
                library: file.path, reason: "no ELF or Mach-O header (first bytes: 68 65 6c 6c)")
        ) {
            try LoadedPlugin.load(from: file)
        }
    }

    @Test func aTruncatedELFFileIsRefusedByTheLoader() throws {
        let file = try PluginBuilds.file("libtrunc.so", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0])
        do {
            _ = try LoadedPlugin.load(from: file)
            Issue.record("a truncated ELF file loaded")
        } catch let PluginLoadError.notASharedLibrary(library, reason) {
            #expect(library == file.path)
            #expect(!reason.isEmpty)
        }
    }

    @Test func aDirectoryIsNotALibrary() throws {
        let folder = try PluginBuilds.temporaryFolder()
        #expect(throws: FuseError.isDirectory(path: folder.path)) { try LoadedPlugin.load(from: folder) }
    }

    @Test func errorMessagesNameTheLibrary() throws {
        let library = try PluginBuilds.testPlugin(["BREAK_ABI_VERSION"])
        do {
            _ = try LoadedPlugin.load(from: library)
        } catch {
            #expect("\(error)".hasPrefix(library.path + ": plugin ABI version 2 is not supported"))
        }
    }
}
