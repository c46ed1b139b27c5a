import Foundation
import Testing
@testable import FuseCore

/// `SafetensorsFile` and `SafetensorsCheckpoint` on files written by the Python `safetensors` package and by
/// transformers' `save_pretrained` (tools/reference/core_safetensors.py). Reference values are what torch reads,
/// widened to float32; F16/BF16/F32 widening is exact and F64 → F32 rounds to nearest in both, so the comparison
/// is exact (tolerance 0).
@Suite struct SafetensorsReaderTests {
    struct ExpectedTensor: Decodable, Sendable {
        let dtype: String?
        let shape: [Int]
        let values: [Double]
    }

    struct ExpectedFile: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let metadata: [String: String]
        let tensors: [String: ExpectedTensor]
        var testDescription: String { name }
    }

    static func expectedFiles() throws -> [ExpectedFile] {
        struct Entry: Decodable { let metadata: [String: String]; let tensors: [String: ExpectedTensor] }
        let data = try Data(contentsOf: Fixtures.url("core/safetensors/expected.json"))
        return try JSONDecoder().decode([String: Entry].self, from: data).sorted { $0.key < $1.key }
            .map { ExpectedFile(name: $0.key, metadata: $0.value.metadata, tensors: $0.value.tensors) }
    }

    @Test(arguments: try expectedFiles())
    func readsFilesWrittenByPython(_ expected: ExpectedFile) throws {
        let file = try SafetensorsFile(url: Fixtures.url("core/safetensors/\(expected.name)"))
        #expect(file.metadata == expected.metadata)
        #expect(Set(file.names) == Set(expected.tensors.keys))
        for (name, tensor) in expected.tensors {
            let info = try #require(file.info(name))
            #expect(info.shape == tensor.shape, "\(name)")
            if info.dtype.isFloatingPoint {
                let read = try file.tensor(name)
                #expect(read.shape == tensor.shape)
                #expect(read.scalars == tensor.values.map { Float($0) }, "\(name)")
            } else {
                #expect(try file.integers(name) == tensor.values.map { Int64($0) }, "\(name)")
                #expect(throws: SafetensorsError.self) { try file.tensor(name) }
            }
        }
    }

    @Test func float32IsZeroCopyAndOthersAreConverted() throws {
        let f32 = try SafetensorsFile(url: Fixtures.url("core/safetensors/python_f32.safetensors"))
        let matrix = try f32.tensor("matrix")
        #expect(matrix.storage.isWritable == false)
        // Mutating a mapped tensor copies it first; the file's bytes stay as they were.
        var copy = matrix
        copy.withUnsafeMutableBufferPointer { $0[0] += 1 }
        #expect(copy.storage.isWritable)
        #expect(try f32.tensor("matrix").scalars == matrix.scalars)
        #expect(try f32.rawBytes("scalar") == Data([0, 0, 0x20, 0x40]))
        let half = try SafetensorsFile(url: Fixtures.url("core/safetensors/python_f16.safetensors"))
        #expect(try half.tensor("half").storage.isWritable)
        #expect(half.info("half")?.dtype == .f16)
    }

    @Test func opensAShardedTransformersCheckpoint() throws {
        struct Expected: Decodable {
            let shards: [String]
            let tensorCount: Int
            let tensors: [String: ExpectedTensor]
        }
        let folder = Fixtures.url("core/safetensors/sharded")
        let expected = try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        let checkpoint = try SafetensorsCheckpoint(url: folder)
        #expect(checkpoint.isSharded)
        #expect(checkpoint.shards.map(\.lastPathComponent).sorted() == expected.shards)
        #expect(checkpoint.names.count == expected.tensorCount)
        #expect(checkpoint.metadata["total_size"] != nil)
        for (name, tensor) in expected.tensors {
            let read = try checkpoint.tensor(name)
            #expect(read.shape == tensor.shape)
            #expect(read.scalars == tensor.values.map { Float($0) }, "\(name)")
        }
        // The index file itself opens the same checkpoint.
        let viaIndex = try SafetensorsCheckpoint(url: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect(viaIndex.names == checkpoint.names)
        #expect {
            try checkpoint.tensor("embeddings.word_embedding.weight")
        } throws: { error in
            guard case .missingTensor(_, _, let nearMisses) = error as? SafetensorsError else { return false }
            return nearMisses.first == "embeddings.word_embeddings.weight"
        }
    }

    @Test func opensASingleFileCheckpoint() throws {
        let url = Fixtures.url("core/safetensors/python_mixed.safetensors")
        let checkpoint = try SafetensorsCheckpoint(url: url)
        #expect(!checkpoint.isSharded)
        #expect(checkpoint.names == ["f64", "flags", "i16", "i32", "i8", "u8"])
        #expect(try checkpoint.integers("flags") == [1, 0, 1])
        #expect(checkpoint.parameterCount == 3 + 3 + 3 + 4 + 3 + 3)
    }
}

/// Checkpoint folders that are not what they should be.
@Suite struct SafetensorsCheckpointErrorTests {
    let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-stc-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    @Test func folderWithoutWeights() throws {
        try Data("{}".utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(throws: SafetensorsError.noCheckpoint(directory: folder.path, found: ["config.json"])) {
            try SafetensorsCheckpoint(url: folder)
        }
    }

    @Test(arguments: ["../outside.safetensors", "/etc/passwd", ""])
    func indexPointingOutsideTheFolder(_ shard: String) throws {
        let index = #"{"weight_map": {"w": "\#(shard)"}}"#
        try Data(index.utf8).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect {
            try SafetensorsCheckpoint(url: folder)
        } throws: { error in
            guard case .invalidIndex = error as? SafetensorsError else { return false }
            return true
        }
    }

    @Test func indexNamingATensorItsShardLacks() throws {
        try SafetensorsWriter.write(
            ["present": try Tensor(shape: [1], values: [1])],
            to: folder.appendingPathComponent("shard.safetensors"))
        let index = #"{"weight_map": {"present": "shard.safetensors", "absent": "shard.safetensors"}}"#
        let indexURL = folder.appendingPathComponent("model.safetensors.index.json")
        try Data(index.utf8).write(to: indexURL)
        #expect(
            throws: SafetensorsError.invalidIndex(
                path: indexURL.path,
                reason: "tensor 'absent' is mapped to shard 'shard.safetensors', which does not contain it")
        ) {
            try SafetensorsCheckpoint(url: folder)
        }
    }

    @Test func missingShardFile() throws {
        try Data(#"{"weight_map": {"w": "gone.safetensors"}}"#.utf8)
            .write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect(throws: SafetensorsError.fileNotFound(path: folder.appendingPathComponent("gone.safetensors").path)) {
            try SafetensorsCheckpoint(url: folder)
        }
    }
}
