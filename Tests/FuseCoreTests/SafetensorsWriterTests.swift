import Foundation
import Testing
@testable import FuseCore

/// `SafetensorsWriter`: round trips through `SafetensorsFile`, refuses to overwrite unless asked, rejects inconsistent
/// tensors, and writes the exact file the Python `safetensors` package was shown to read
/// (tools/reference/core_safetensors.py step 3 → Tests/Fixtures/core/safetensors/swift_written*.{safetensors,json}).
@Suite struct SafetensorsWriterTests {
    let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-stw-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// The content `core_safetensors.py` checks value by value after Python reads it.
    static func fixtureTensors() throws -> [(name: String, payload: SafetensorsWriter.Payload)] {
        [
            ("weight", .float32(try Tensor(shape: [2, 3], values: [0.5, -1, 2.25, 3e-8, 1e6, -0.0]))),
            ("ids", .int64([0, 1, -7, 1 << 40], shape: [4])),
            ("counts", .int32([1, -2, 3, Int32.max], shape: [2, 2])),
            ("mask", .uint8([1, 0, 255], shape: [3])),
            ("empty", .float32(Tensor(zeros: [0, 4]))),
        ]
    }
    static let fixtureMetadata = ["format": "pt", "producer": "fuse"]

    /// With FUSE_WRITE_SAFETENSORS_FIXTURE set (by the fixture generator), writes the fixture there for Python to
    /// read. Otherwise writes it to a scratch folder and checks it is byte-identical to the committed file that
    /// Python read back.
    @Test func writeFixtureForPython() throws {
        if let target = ProcessInfo.processInfo.environment["FUSE_WRITE_SAFETENSORS_FIXTURE"] {
            try SafetensorsWriter.write(
                Self.fixtureTensors(), metadata: Self.fixtureMetadata, to: URL(fileURLWithPath: target), overwrite: true
            )
            return
        }
        let url = folder.appendingPathComponent("swift_written.safetensors")
        try SafetensorsWriter.write(Self.fixtureTensors(), metadata: Self.fixtureMetadata, to: url)
        let committed = try Data(contentsOf: Fixtures.url("core/safetensors/swift_written.safetensors"))
        #expect(try Data(contentsOf: url) == committed)
        // And Python's record of what it read agrees with what was written.
        let readback =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Fixtures.url("core/safetensors/swift_written_python_readback.json")))
            as? [String: Any]
        let tensors = try #require(readback?["tensors"] as? [String: Any])
        #expect(Set(tensors.keys) == ["weight", "ids", "counts", "mask", "empty"])
        #expect(readback?["metadata"] as? [String: String] == Self.fixtureMetadata)
    }

    @Test func roundTripsThroughTheReader() throws {
        let url = folder.appendingPathComponent("round.safetensors")
        try SafetensorsWriter.write(Self.fixtureTensors(), metadata: Self.fixtureMetadata, to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.metadata == Self.fixtureMetadata)
        #expect(Set(file.names) == ["weight", "ids", "counts", "mask", "empty"])
        let weight = try file.tensor("weight")
        #expect(weight.shape == [2, 3])
        #expect(weight.scalars.map(\.bitPattern) == [0.5, -1, 2.25, 3e-8, 1e6, -0.0].map { Float($0).bitPattern })
        #expect(try file.integers("ids") == [0, 1, -7, 1 << 40])
        #expect(try file.integers("counts") == [1, -2, 3, Int64(Int32.max)])
        #expect(try file.integers("mask") == [1, 0, 255])
        #expect(file.info("counts")?.dtype == .i32)
        #expect(try file.tensor("empty").shape == [0, 4])
        // The data section starts 8-byte aligned, so F32 tensors come back zero-copy.
        #expect(try file.tensor("weight").storage.isWritable == false)
    }

    @Test func refusesToOverwriteUnlessAsked() throws {
        let url = folder.appendingPathComponent("exists.safetensors")
        try SafetensorsWriter.write(["a": try Tensor(shape: [1], values: [1])], to: url)
        #expect(throws: SafetensorsError.outputExists(path: url.path)) {
            try SafetensorsWriter.write(["a": try Tensor(shape: [1], values: [2])], to: url)
        }
        #expect(try SafetensorsFile(url: url).tensor("a").scalars == [1])
        try SafetensorsWriter.write(["a": try Tensor(shape: [1], values: [2])], to: url, overwrite: true)
        #expect(try SafetensorsFile(url: url).tensor("a").scalars == [2])
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["exists.safetensors"])
    }

    @Test func rejectsInconsistentTensorsAndLeavesNothing() throws {
        let url = folder.appendingPathComponent("bad.safetensors")
        #expect(
            throws: SafetensorsError.invalidTensorToWrite(
                path: url.path, tensor: "ids", reason: "shape [3] does not hold 2 elements")
        ) {
            try SafetensorsWriter.write([("ids", .int64([1, 2], shape: [3]))], to: url)
        }
        #expect(throws: SafetensorsError.invalidTensorToWrite(path: url.path, tensor: "a", reason: "duplicate name")) {
            try SafetensorsWriter.write([("a", .uint8([1], shape: [1])), ("a", .uint8([2], shape: [1]))], to: url)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func refusesADirectoryAsTarget() throws {
        #expect(throws: SafetensorsError.isDirectory(path: folder.path)) {
            try SafetensorsWriter.write(["a": try Tensor(shape: [1], values: [1])], to: folder, overwrite: true)
        }
    }
}
