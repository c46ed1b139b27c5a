import Foundation
import FuseCore
import FuseTestSupport
import Testing
@testable import Fuse

/// ModernBERT and DeBERTa-v3 sentence-transformers folders (random-weight fixtures with a WordPiece stand-in
/// tokenizer, tools/reference/models_encoder_families.py) through the library API and `fuse embed`: text files give
/// sentence-transformers' normalised embeddings (`st_embeddings`, ≤ 1e-4), in fp32; int8 stays within cosine 0.999.
@Suite("ModernBERT and DeBERTa through FuseRuntime and fuse embed")
struct EncoderFamilyEmbedTests {
    /// The generator's fifth sentence (longer than ModernBERT's local window) and its reference row.
    static let sentence = "the small blue bird flies over the big green tree and the red house at night under the moon"

    static func expected(_ model: String) throws -> [Float] {
        let reference = try SafetensorsFile(
            url: RuntimeFixtures.models.appendingPathComponent("reference/\(model).safetensors"))
        let table = try reference.tensor("st_embeddings")
        return (0..<table.shape[1]).map { table[4, $0] }
    }

    static func textFile() throws -> URL {
        let url = try JobFixtures.folder().appendingPathComponent("sentence.txt")
        try JobFixtures.write(sentence + "\n", to: url)
        return url
    }

    @Test("FuseRuntime.embed(file:)", arguments: ["modernbert", "deberta-v3"])
    func library(model: String) async throws {
        let runtime = try JobFixtures.runtime(model)
        let embedding = try await runtime.embed(file: try Self.textFile())
        #expect(maxAbsDifference(embedding.vector, try Self.expected(model)) <= 1e-4)
        #expect(embedding.modelID == model && embedding.modality == .text)
    }

    @Test("fuse embed --out .json, fp32 and int8", arguments: ["modernbert", "deberta-v3"])
    func cli(model: String) throws {
        let input = try Self.textFile()
        let folder = input.deletingLastPathComponent()
        let expected = try Self.expected(model)
        for precision in ["fp32", "int8"] {
            let out = folder.appendingPathComponent("\(precision).json")
            let run = try FuseBinary.run([
                "embed", "--model", RuntimeFixtures.models.appendingPathComponent(model).path,
                "--inputs", input.path, "--out", out.path, "--precision", precision, "--quiet",
            ])
            #expect(run.status == 0, "\(run.errors)")
            let objects = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [[String: Any]]
            let vector = try #require((objects?.first?["embedding"] as? [NSNumber])?.map(\.floatValue))
            if precision == "fp32" {
                #expect(maxAbsDifference(vector, expected) <= 1e-4)
            } else {
                let cosine = zip(vector, expected).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                #expect(cosine >= 0.999, "\(model) int8 cosine \(cosine)")
            }
        }
    }
}
