import Foundation
import FuseCore
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// Resident set size of this process, from /proc/self/statm.
private func residentBytes() throws -> Int {
    let fields = try FileContents.utf8String(at: URL(fileURLWithPath: "/proc/self/statm")).split(separator: " ")
    return (Int(fields[1]) ?? 0) * sysconf(Int32(_SC_PAGESIZE))
}

/// `FileContents` reads what `Data(contentsOf:)` reads, without the 4 KiB swift-foundation leaks for every file
/// whose size is reported as 0 (finding 14 in docs/RELIABILITY.md).
@Suite struct FileContentsTests {
    private func scratchFile(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("filecontents-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func readsARegularFileWhole() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let url = try scratchFile(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(Array(try FileContents.data(at: url)) == bytes)
        #expect(Array(try FileContents.data(at: url, options: .mappedIfSafe)) == bytes)
    }

    @Test func readsAnEmptyFileAsNoBytes() throws {
        let url = try scratchFile([])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try FileContents.data(at: url).isEmpty)
        #expect(try FileContents.utf8String(at: url) == "")
    }

    @Test func readsFilesThatReportSizeZeroButHaveContents() throws {
        // /proc entries have st_size 0; their text must still come back whole.
        let status = try FileContents.utf8String(at: URL(fileURLWithPath: "/proc/self/status"))
        #expect(status.contains("VmRSS:"))
        #expect(try FileContents.data(at: URL(fileURLWithPath: "/dev/null")).isEmpty)
    }

    @Test func missingFilesAndDirectoriesThrow() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)")
        #expect(throws: (any Error).self) { try FileContents.data(at: missing) }
        #expect(throws: (any Error).self) { try FileContents.data(at: FileManager.default.temporaryDirectory) }
    }

    @Test func invalidUTF8IsAnEncodingErrorNamingTheFile() throws {
        let url = try scratchFile([0x61, 0xC3, 0x28])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: FuseError.invalidUTF8(path: url.path, offset: 1)) { try FileContents.utf8String(at: url) }
    }

    /// 10,000 reads of an empty file leave the heap where it was (Data(contentsOf:) keeps 40 MB).
    /// Measured (resident set) in a child process so that no concurrently running test moves it.
    @Test func emptyFileReadsDoNotGrowTheHeap() async {
        await #expect(processExitsWith: .success) {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("filecontents-leak-\(getpid())")
            _ = FileManager.default.createFile(atPath: url.path, contents: Data())
            defer { try? FileManager.default.removeItem(at: url) }
            _ = try FileContents.data(at: url)
            let before = try residentBytes()
            for _ in 0..<10_000 { _ = try FileContents.data(at: url) }
            let grown = try residentBytes() - before
            exit(grown < 4_000_000 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }

    /// The canary for the test above: the same measurement sees Foundation's leak. When this fails, the toolchain's
    /// swift-foundation no longer leaks on empty files and `FileContents` can go back to `Data(contentsOf:)`.
    @Test func foundationStillLeaksOnEmptyFiles() async {
        await #expect(processExitsWith: .success) {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("foundation-leak-\(getpid())")
            _ = FileManager.default.createFile(atPath: url.path, contents: Data())
            defer { try? FileManager.default.removeItem(at: url) }
            let before = try residentBytes()
            for _ in 0..<10_000 { _ = try Data(contentsOf: url) }
            let grown = try residentBytes() - before
            exit(grown > 30_000_000 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }
}
