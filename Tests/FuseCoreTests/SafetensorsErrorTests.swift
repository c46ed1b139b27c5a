import Foundation
import Testing
@testable import FuseCore

/// Every malformed input named in issue 2 gets its own `SafetensorsError` case, and the message names the file
/// (and the tensor). Inputs are built byte by byte here, so each test shows exactly what is wrong.
@Suite struct SafetensorsErrorTests {
    /// A scratch folder per test instance, removed by the OS's tmp cleaning; names are unique.
    let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-st-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func file(_ bytes: [UInt8], name: String = "t.safetensors") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// A file with the given header text (length prefix added) and data bytes.
    func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws -> URL {
        let json = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { Array($0) }
        bytes += json + data
        return try file(bytes)
    }

    func open(_ url: URL) throws -> SafetensorsFile { try SafetensorsFile(url: url) }

    @Test func emptyFile() throws {
        let url = try file([])
        #expect(throws: SafetensorsError.emptyFile(path: url.path)) { try open(url) }
    }

    @Test func shorterThanTheLengthPrefix() throws {
        let url = try file([1, 0, 0])
        #expect(throws: SafetensorsError.truncated(path: url.path, size: 3)) { try open(url) }
    }

    @Test func headerLengthLargerThanFile() throws {
        let url = try file(header: #"{"a":1}"#, declaredLength: 4096)
        #expect(throws: SafetensorsError.headerLengthExceedsFile(path: url.path, headerLength: 4096, fileSize: 15)) {
            try open(url)
        }
    }

    @Test func truncatedInsideTheHeader() throws {
        // A valid file cut short in the middle of its JSON: the declared length no longer fits.
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let full = try file(header: header, data: [0, 0, 128, 63])
        let bytes = Array(try Data(contentsOf: full))
        let url = try file(Array(bytes.prefix(20)), name: "cut.safetensors")
        #expect(
            throws: SafetensorsError.headerLengthExceedsFile(
                path: url.path, headerLength: UInt64(header.utf8.count), fileSize: 20)
        ) { try open(url) }
    }

    @Test func headerTooLarge() throws {
        let url = try file(header: "{}", declaredLength: 200_000_000)
        #expect(throws: SafetensorsError.headerTooLarge(path: url.path, headerLength: 200_000_000, limit: 100_000_000))
        {
            try open(url)
        }
    }

    @Test(arguments: [#"{"a": "#, "not json at all", #"[1, 2, 3]"#, "\u{FF}\u{FE}"])
    func headerNotJSON(_ header: String) throws {
        let url = try file(header: header)
        #expect {
            try open(url)
        } throws: { error in
            guard case .headerNotJSON(let path, _) = error as? SafetensorsError else { return false }
            return path == url.path
        }
    }

    @Test func unknownDType() throws {
        let url = try file(header: #"{"w":{"dtype":"F8_E4M3X","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0])
        #expect(throws: SafetensorsError.unknownDType(path: url.path, tensor: "w", dtype: "F8_E4M3X")) { try open(url) }
        #expect(
            SafetensorsError.unknownDType(path: url.path, tensor: "w", dtype: "F8_E4M3X").description
                .contains("'w'"))
    }

    @Test(arguments: [#"[2, -1]"#, #"[2.5]"#, #""2x2""#, #"[true]"#, #"[4611686018427387904, 4]"#])
    func badShape(_ shape: String) throws {
        let url = try file(
            header: #"{"w":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,8]}}"#,
            data: [UInt8](repeating: 0, count: 8))
        #expect {
            try open(url)
        } throws: { error in
            guard case .badShape(let path, let tensor, _) = error as? SafetensorsError else { return false }
            return path == url.path && tensor == "w"
        }
    }

    @Test func shapeByteMismatch() throws {
        let url = try file(
            header: #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#,
            data: [UInt8](repeating: 0, count: 12))
        #expect(
            throws: SafetensorsError.shapeByteMismatch(
                path: url.path, tensor: "w", shape: [2, 2], dtype: "F32", expectedBytes: 16, actualBytes: 12)
        ) {
            try open(url)
        }
    }

    @Test(arguments: [(0, 16, 8), (8, 4, 8)])
    func offsetsOutOfRange(begin: Int, end: Int, dataSize: Int) throws {
        let url = try file(
            header: #"{"w":{"dtype":"U8","shape":[\#(max(end - begin, 0))],"data_offsets":[\#(begin),\#(end)]}}"#,
            data: [UInt8](repeating: 0, count: dataSize))
        #expect(
            throws: SafetensorsError.offsetsOutOfRange(
                path: url.path, tensor: "w", begin: begin, end: end, dataSize: dataSize)
        ) { try open(url) }
    }

    @Test func overlappingTensors() throws {
        let header =
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let url = try file(header: header, data: [UInt8](repeating: 0, count: 12))
        #expect(throws: SafetensorsError.overlappingTensors(path: url.path, first: "a", second: "b")) { try open(url) }
    }

    @Test func missingFieldsAreInvalidHeader() throws {
        let url = try file(header: #"{"w":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0])
        #expect {
            try open(url)
        } throws: { error in
            guard case .invalidHeader(let path, let tensor, _) = error as? SafetensorsError else { return false }
            return path == url.path && tensor == "w"
        }
    }

    @Test func nonStringMetadataIsRejected() throws {
        let url = try file(header: #"{"__metadata__":{"format":3}}"#)
        #expect {
            try open(url)
        } throws: { error in
            guard case .invalidMetadata(let path, _) = error as? SafetensorsError else { return false }
            return path == url.path
        }
    }

    @Test func directoryWhereAFileIsExpected() throws {
        #expect(throws: SafetensorsError.isDirectory(path: folder.path)) { try open(folder) }
    }

    @Test func missingFile() throws {
        let url = folder.appendingPathComponent("absent.safetensors")
        #expect(throws: SafetensorsError.fileNotFound(path: url.path)) { try open(url) }
    }

    @Test func missingTensorListsNearMisses() throws {
        let header =
            #"{"encoder.layer.0.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""encoder.layer.1.weight":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let url = try file(header: header, data: [UInt8](repeating: 0, count: 8))
        let opened = try open(url)
        #expect(
            throws: SafetensorsError.missingTensor(
                path: url.path, tensor: "encoder.layer.2.weight",
                nearMisses: ["encoder.layer.0.weight", "encoder.layer.1.weight"])
        ) { try opened.tensor("encoder.layer.2.weight") }
        #expect(
            throws: SafetensorsError.missingTensor(
                path: url.path, tensor: "layer.0.weight", nearMisses: ["encoder.layer.0.weight"])
        ) {
            try opened.tensor("layer.0.weight")
        }
    }

    @Test func metadataOnlyAndEmptyTensorsAreValid() throws {
        let header =
            #"{"__metadata__":{"format":"pt"},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"#
            + #""s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#
        let opened = try open(try file(header: header, data: [0, 0, 0x20, 0x40]))
        #expect(opened.metadata == ["format": "pt"])
        #expect(try opened.tensor("e").shape == [0, 3])
        #expect(try opened.tensor("s").scalars == [2.5])
    }
}
