import Foundation
import FuseCore

/// Writes embeddings to `.safetensors`, `.npy` or `.json`, chosen by the path's extension.
///
/// - `.safetensors`: one F32 tensor `embeddings` `[N, D]`; metadata `inputs` and `modalities` (JSON arrays) and
///   `model`.
/// - `.npy`: a NumPy v1.0 array `<f4` of shape `(N, D)`, C order (input order as given).
/// - `.json`: an array with one object per input: `{"input", "modality", "embedding"}`.
///
/// Files are written to a temporary name and renamed into place, so a failed write leaves nothing behind; an
/// existing file is replaced only with `overwrite`.
public enum EmbeddingOutput {
    public enum Format: String, Sendable, CaseIterable {
        case safetensors, npy, json
    }

    /// The format for `url`'s extension.
    public static func format(of url: URL) throws -> Format {
        guard let format = Format(rawValue: url.pathExtension.lowercased()) else {
            throw FuseError.invalidArgument(
                what: url.path, reason: "unknown output format '.\(url.pathExtension)'; use .safetensors, .npy or .json"
            )
        }
        return format
    }

    public static func write(_ embeddings: [Embedding], to url: URL, overwrite: Bool = false) throws {
        let format = try format(of: url)
        if FileManager.default.fileExists(atPath: url.path), !overwrite { throw FuseError.outputExists(path: url.path) }
        let dimension = embeddings.first?.dimension ?? 0
        // JSON holds each vector on its own; a matrix needs one width (outputs of several models, `--model-for`,
        // may differ).
        guard format == .json || embeddings.allSatisfy({ $0.dimension == dimension }) else {
            let widths = Array(Set(embeddings.map(\.dimension))).sorted().map(String.init).joined(separator: ", ")
            throw FuseError.invalidArgument(
                what: url.path,
                reason: "embeddings of different dimensions (\(widths)) cannot share one .\(format.rawValue) matrix; "
                    + "write .json or .jsonl")
        }
        var models: [String] = []
        for embedding in embeddings where !models.contains(embedding.modelID) { models.append(embedding.modelID) }
        switch format {
        case .safetensors:
            let matrix = try Tensor(shape: [embeddings.count, dimension], values: embeddings.flatMap(\.vector))
            var metadata = [
                "inputs": try jsonString(embeddings.map { $0.sources.joined(separator: " + ") }),
                "modalities": try jsonString(embeddings.map(\.modality.name)),
                "model": models.joined(separator: " + "),
            ]
            // Rows of several models (`--model-for`): which model made each.
            if models.count > 1 { metadata["row_models"] = try jsonString(embeddings.map(\.modelID)) }
            do {
                try SafetensorsWriter.write(
                    [("embeddings", .float32(matrix))], metadata: metadata, to: url,
                    overwrite: overwrite)
            } catch let error as FuseError { throw error } catch {
                throw FuseError.writeFailed(path: url.path, reason: FileErrorReason.describe(error))
            }
        case .npy:
            try atomicWrite(npy(embeddings, dimension: dimension), to: url)
        case .json:
            try atomicWrite(json(embeddings), to: url)
        }
    }

    /// The JSON form (also what `fuse embed --out -` prints). When the embeddings come from several models
    /// (`--model-for`), each object also names its `model`.
    public static func json(_ embeddings: [Embedding]) throws -> Data {
        let mixed = Set(embeddings.map(\.modelID)).count > 1
        let objects: [[String: Any]] = embeddings.map { embedding in
            [
                "input": embedding.sources.joined(separator: " + "), "modality": embedding.modality.name,
                "embedding": embedding.vector.map { Double($0) },
            ].merging(mixed ? ["model": embedding.modelID] : [:]) { $1 }
        }
        return try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
    }

    static func npy(_ embeddings: [Embedding], dimension: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(embeddings.count), \(dimension)), }"
        // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for embedding in embeddings {
            embedding.vector.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    static func jsonString(_ values: [String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: values), as: UTF8.self)
    }

    static func atomicWrite(_ data: Data, to url: URL) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw FuseError.writeFailed(path: url.path, reason: FileErrorReason.describe(error))
        }
    }
}
